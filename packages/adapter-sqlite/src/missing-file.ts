import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreError } from '@agentstore/core/spi';

/**
 * SQLite creates a missing database file without a word, so a deleted file would come back as an
 * empty store. Two witnesses tell a deleted file from a new one: its `-wal` or `-shm` file (they
 * exist only beside their database), and, for the default file, its directory, which this module
 * creates together with the file (a temporary directory renamed into place), so that the directory
 * existing without the file means the file was removed.
 */
function deleted(file: string, witness: string): StoreError {
  return new StoreError(
    'CORRUPT',
    `sqlite: ${file} is missing but ${witness} is there: the database file was deleted ` +
      `(restore a backup; to start an empty database on purpose, remove ${witness} too)`,
  );
}

/**
 * For a read-only open of a missing `file`: `CORRUPT` when it evidently existed (the same witnesses as
 * {@link prepareDatabaseFile}), else `NOT_FOUND`. Creates nothing.
 */
export function missingFileError(file: string, ownsDirectory: boolean): StoreError {
  for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) return deleted(file, basename(file) + suffix);
  if (ownsDirectory && existsSync(dirname(file))) return deleted(file, `its directory ${dirname(file)}`);
  return new StoreError('NOT_FOUND', `sqlite: no database at ${file}`);
}

/**
 * Gets `file` ready to open: refuses with `CORRUPT` when it is missing where it evidently existed,
 * and creates it (empty) with its directory when `ownsDirectory` and neither exists yet.
 */
export function prepareDatabaseFile(file: string, ownsDirectory: boolean): void {
  if (existsSync(file)) return;
  for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) throw deleted(file, basename(file) + suffix);
  if (!ownsDirectory) return;
  const dir = dirname(file);
  if (existsSync(dir)) {
    // The directory appears with its file in it (one rename), so look again before judging.
    if (existsSync(file)) return;
    throw deleted(file, `its directory ${dir}`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const staging = `${dir}.creating-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(staging);
  try {
    // An empty file is an empty SQLite database; the connection sets it up once it is in place.
    closeSync(openSync(join(staging, basename(file)), 'wx'));
    renameSync(staging, dir);
  } catch (err) {
    // Another process created the directory (and its file) first: use theirs.
    if (!existsSync(file)) throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
