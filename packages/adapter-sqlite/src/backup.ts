import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { resolveInsideDataDir } from '@agentstore/core/spi';
import { translateError } from './errors.js';

/** The slice of better-sqlite3 backups and checks use: a second, read-only connection. */
interface ReadConnection {
  backup(file: string, options: { progress: () => number }): Promise<unknown>;
  prepare(sql: string): { pluck(): { all(): unknown[] } };
  close(): void;
}

type ReadConstructor = new (file: string, options: { readonly: boolean; fileMustExist: boolean; timeout: number }) => ReadConnection;

const require = createRequire(import.meta.url);

function openReadOnly(file: string): ReadConnection {
  const Database = require('better-sqlite3') as ReadConstructor;
  return new Database(file, { readonly: true, fileMustExist: true, timeout: 30_000 });
}

/**
 * Copies `file` with SQLite's online backup API into the same place under `targetDir` (through core's
 * path policy, like every file the adapter makes), through a
 * connection of its own so the store's writers go on. After the first step every step asks for all
 * remaining pages: a write by another connection restarts the copy, and one whole-file step always
 * finishes, where small steps could restart forever under a steady writer.
 */
export async function backupFile(dataDir: string, file: string, targetDir: string): Promise<void> {
  const dest = resolveInsideDataDir(targetDir, relative(dataDir, file), { kind: 'file', create: true });
  rmSync(dest, { force: true });
  const db = openReadOnly(file);
  try {
    await db.backup(dest, { progress: () => 0x7fffffff });
  } catch (err) {
    throw translateError(err, `backing up ${file}`);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` of `file`; the problems it reports (none when the file is sound). */
export function checkFile(file: string): string[] {
  let db: ReadConnection | undefined;
  try {
    db = openReadOnly(file);
    const rows = db.prepare('PRAGMA integrity_check').pluck().all().map(String);
    return rows.length === 1 && rows[0] === 'ok' ? [] : rows.map((row) => `${file}: ${row}`);
  } catch (err) {
    return [`${file}: ${err instanceof Error ? err.message : String(err)}`];
  } finally {
    db?.close();
  }
}
