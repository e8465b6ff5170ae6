import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '@agentstore/core/spi';

/**
 * LevelDB as classic-level opens it (no `paranoid_checks`, which classic-level does not expose)
 * recovers a damaged log by skipping what fails its checksum: the open succeeds and the entries in
 * the skipped bytes are gone, then the log is rewritten as a table and deleted. It does say so, in
 * the info log (`LOG`, rotated to `LOG.old` on every open): `…/000003.log: dropping 26085 bytes;
 * Corruption: checksum mismatch`. This module reads that line after every open and turns it into
 * `CORRUPT`, and leaves a marker so that later opens refuse too (the damaged log no longer exists
 * by then). A missing `CURRENT` beside other LevelDB files is refused before the open: LevelDB
 * would create a new, empty database there and delete the old tables as obsolete.
 */

/** Left in a location whose recovery lost data; every open refuses while it is there. */
export const DAMAGE_MARKER = 'AGENTSTORE-DAMAGED';

/** Files LevelDB keeps in a location besides CURRENT. */
const LEVELDB_FILE = /^(MANIFEST-\d+|\d+\.(ldb|sst|log))$/;
/** The line LevelDB's log recovery writes for every stretch it skipped. */
const DROPPED = /:\s+dropping\s+\d+\s+bytes;\s+Corruption:/;

function damaged(location: string, detail: string): StoreError {
  return new StoreError('CORRUPT', `level: ${location} is damaged: ${detail}`);
}

/** Refuses a location that an earlier open found damaged, or whose CURRENT file is gone. */
export function assertLocationIntact(location: string): void {
  const marker = join(location, DAMAGE_MARKER);
  if (existsSync(marker)) {
    const found = readFileSync(marker, 'utf8').trim();
    throw damaged(location, `${found} (recorded in ${marker}: restore a backup, or delete that file to go on with what is left)`);
  }
  if (!existsSync(join(location, 'CURRENT'))) {
    const files = readdirSync(location).filter((name) => LEVELDB_FILE.test(name));
    if (files.length > 0) {
      throw damaged(
        location,
        `CURRENT is missing beside ${files.join(', ')}; opening would start an empty database and delete those tables`,
      );
    }
  }
}

/**
 * After an open: `CORRUPT` when LevelDB skipped stretches of its log while recovering. The marker
 * is written (and fsynced) first, so the refusal outlives this process.
 */
export function assertRecoveryClean(location: string): void {
  let log: string;
  try {
    log = readFileSync(join(location, 'LOG'), 'utf8');
  } catch {
    return; // no info log (a read-only medium, say): nothing LevelDB told us
  }
  const dropped = log
    .split('\n')
    .filter((line) => DROPPED.test(line))
    // Keep the file and the reason; the timestamp and thread id before them say nothing to a user.
    .map((line) => line.replace(/^\S+\s+\S+\s+/, '').replace(/^\(ignoring error\)\s*/, ''));
  if (dropped.length === 0) return;
  const fault = `LevelDB skipped damaged parts of its log when it recovered, and the entries in them are lost: ${dropped.join('; ')}`;
  const fd = openSync(join(location, DAMAGE_MARKER), 'w');
  try {
    writeSync(fd, `${fault}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  throw damaged(location, fault);
}
