import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '@agentstore/core/spi';

/**
 * LevelDB cannot tell a log cut short or deleted from one that was never longer: a log truncated to
 * half reopened with 1,000 of 2,000 entries and no word in its info log, a deleted log with none.
 * After a clean close nothing may change the location's files until the next open, so the adapter
 * writes down each LevelDB file and its size at close, and the next open first checks that every
 * one is still there at that size. After a crash there is no stamp and nothing to compare (a crash
 * may legitimately lose the unsynced tail of the log, SPEC §7).
 */

/** The stamp a clean close leaves in the location; removed by the next open once checked. */
export const CLOSE_STAMP = 'AGENTSTORE-CLOSED';

/** LevelDB's own files whose loss or truncation loses entries. */
const DATA_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(ldb|sst|log))$/;

/** Records every LevelDB file of the closed location at `path` with its size (fsynced). */
export function writeCloseStamp(path: string): void {
  const files: Record<string, number> = {};
  for (const name of readdirSync(path)) if (DATA_FILE.test(name)) files[name] = statSync(join(path, name)).size;
  const fd = openSync(join(path, CLOSE_STAMP), 'w');
  try {
    writeSync(fd, `${JSON.stringify({ files })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Before an open: `CORRUPT` when a file recorded at the last clean close is gone or has another
 * size. The stamp is removed once checked (the open is about to change the files).
 */
export function checkCloseStamp(path: string): void {
  const stamp = join(path, CLOSE_STAMP);
  if (!existsSync(stamp)) return;
  let files: Record<string, number>;
  try {
    files = (JSON.parse(readFileSync(stamp, 'utf8')) as { files: Record<string, number> }).files;
    if (files === null || typeof files !== 'object') throw new Error('no file list');
  } catch (err) {
    throw new StoreError('CORRUPT', `level: ${stamp} is unreadable (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const changed: string[] = [];
  for (const [name, size] of Object.entries(files)) {
    if (!DATA_FILE.test(name)) continue;
    const file = join(path, name);
    if (!existsSync(file)) changed.push(`${name} is missing`);
    else if (statSync(file).size !== size) changed.push(`${name} has ${statSync(file).size} bytes, not ${size}`);
  }
  if (changed.length > 0) {
    throw new StoreError(
      'CORRUPT',
      `level: ${path} is damaged: since its last clean close ${changed.join(', ')} ` +
        `(restore a backup; to open what is left, delete ${CLOSE_STAMP})`,
    );
  }
  rmSync(stamp);
}
