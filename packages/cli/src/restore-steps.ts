import { constants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreError } from '@agentstore/core';
import { DataDir, relativeSegments } from '@agentstore/core/spi';
import { assertPlainFile, copyChecked, listPlainFiles } from './backup-files.js';
import { type BackupManifest, MANIFEST, parseManifest } from './backup-manifest.js';

/** A backup whose manifest and files agree, checked before anything is written. */
export interface CheckedBackup {
  /** Real path of the backup directory. */
  readonly root: string;
  readonly manifest: BackupManifest;
  /** What to copy: every file, with the SHA-256 the manifest gives (version 2). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly sha256?: string }>;
}

/** Where a restore goes: the data directory's real path and what is there now. */
export interface RestoreTarget {
  readonly path: string;
  readonly exists: boolean;
  readonly empty: boolean;
}

const corrupt = (message: string): StoreError => new StoreError('CORRUPT', message);

/**
 * Reads and validates a backup without writing anything: the manifest (a plain file, valid JSON,
 * the schema), every entry of the directory (no link, hard link or special file), and, for a
 * version 2 manifest, that the files on disk are exactly the listed ones, each a plain relative path
 * inside the backup, with the listed size. Each failure is `CORRUPT` with the reason.
 */
export async function readBackup(from: string): Promise<CheckedBackup> {
  let root: string;
  let text: string;
  try {
    root = await realpath(from);
    assertPlainFile(await lstat(join(root, MANIFEST)), MANIFEST);
    text = await readFile(join(root, MANIFEST), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('CORRUPT', `${from} holds no readable ${MANIFEST}: not a backup`, { cause: err });
  }
  const manifest = parseManifest(text, root);
  const onDisk = await listPlainFiles(root, MANIFEST);
  if (manifest.version === 1) return { root, manifest, files: onDisk };
  const listed = new Map<string, (typeof manifest.files)[number]>();
  for (const file of manifest.files) {
    if (relativeSegments(file.path)?.join('/') !== file.path || file.path === MANIFEST) {
      throw corrupt(
        `the backup manifest lists ${JSON.stringify(file.path)}: not a plain relative path inside the backup (no absolute path, no \`..\`)`,
      );
    }
    if (listed.has(file.path)) throw corrupt(`the backup manifest lists ${file.path} twice`);
    listed.set(file.path, file);
  }
  for (const file of onDisk) {
    const want = listed.get(file.path);
    if (want === undefined) throw corrupt(`backup file ${file.path} is not in the manifest`);
    if (want.size !== file.size) throw corrupt(`backup file ${file.path} is ${file.size} bytes, the manifest says ${want.size}`);
  }
  const present = new Set(onDisk.map((file) => file.path));
  const missing = [...listed.keys()].filter((path) => !present.has(path));
  if (missing.length > 0) throw corrupt(`backup files listed in the manifest are missing: ${missing.join(', ')}`);
  return { root, manifest, files: manifest.files };
}

/**
 * The data directory a restore goes to, looked at without writing: a link there (a data directory
 * on another disk) is followed once, like core's path policy does for dataDir; anything but a
 * directory is `CONFLICT`.
 */
export async function inspectTarget(dataDir: string): Promise<RestoreTarget> {
  let path = resolve(dataDir);
  let found = await lstat(path).catch(missingAsUndefined);
  if (found?.isSymbolicLink()) {
    path = await realpath(path).catch((err: unknown) => {
      throw new StoreError('IO', `${dataDir} is a link to nothing usable`, { cause: err });
    });
    found = await lstat(path);
  }
  if (found !== undefined && !found.isDirectory()) throw new StoreError('CONFLICT', `${dataDir} is not a directory`);
  const empty = found === undefined || (await readdir(path)).length === 0;
  return { path, exists: found !== undefined, empty };
}

/**
 * Copies the backup's files into a new private directory beside the target (same file system, so
 * it can be renamed into place), through core's path policy, checking each file's size and SHA-256
 * as it is copied. On any failure the directory is removed and the target was never touched.
 */
export async function stageBackup(backup: CheckedBackup, target: string): Promise<string> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const stage = await mkdtemp(join(parent, `.${basename(target)}.restore-`));
  try {
    const source = new DataDir(backup.root);
    const staged = new DataDir(stage);
    for (const file of backup.files) {
      const from = source.resolve(file.path, { kind: 'file' });
      await copyChecked(from, staged.resolve(file.path, { kind: 'file', create: true }), file.path, file);
    }
    // mkdtemp made it private while it was filled; a restored data directory gets the backup's mode.
    await chmod(stage, (await stat(backup.root)).mode & 0o777);
  } catch (err) {
    await rm(stage, { recursive: true, force: true });
    throw err;
  }
  return stage;
}

/**
 * Puts a staged restore where the data directory is, with one rename: over a missing or empty data
 * directory (rename replaces an empty directory atomically), or, for a non-empty one (`--force`),
 * after renaming that aside (put back if the last rename fails). Only an empty data directory that
 * is a mount point (`EBUSY`) gets the copy's entries renamed into it one by one. Returns where the
 * old directory went.
 */
export async function moveIntoPlace(stage: string, target: RestoreTarget): Promise<string | undefined> {
  if (target.empty) {
    try {
      await rename(stage, target.path);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EBUSY') throw err;
      for (const name of await readdir(stage)) await rename(join(stage, name), join(target.path, name));
      await rmdir(stage);
      await syncDir(target.path);
      return undefined;
    }
    await syncDir(dirname(target.path));
    return undefined;
  }
  const aside = `${target.path}.before-restore-${Date.now()}`;
  await rename(target.path, aside);
  try {
    await rename(stage, target.path);
  } catch (err) {
    await rename(aside, target.path);
    throw err;
  }
  await syncDir(dirname(target.path));
  return aside;
}

/** Makes the renames in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function missingAsUndefined(err: unknown): undefined {
  if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
  throw err;
}
