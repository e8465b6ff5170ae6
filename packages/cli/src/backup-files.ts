import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '@agentstore/core';

/** A regular file below a directory: its `/`-separated relative path and size. */
export interface PlainFile {
  readonly path: string;
  readonly size: number;
}

const CHUNK = 1024 * 1024;

/**
 * Every regular file below `root`, sorted by path, without following anything: a symbolic link, a
 * hard link (a file with more than one name: it may be another file's too, outside the backup), a
 * device, FIFO or socket anywhere is `CORRUPT`, since a restore must never recreate one. `skip` is a
 * name left out at the top level (the manifest).
 */
export async function listPlainFiles(root: string, skip?: string): Promise<PlainFile[]> {
  const out: PlainFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (prefix === '' && name === skip) continue;
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const stat = await lstat(join(dir, name));
      if (stat.isDirectory()) await walk(join(dir, name), path);
      else out.push({ path, size: assertPlainFile(stat, path) });
    }
  };
  await walk(root, '');
  return out;
}

/** The size of a file a backup may hold; `CORRUPT` naming what else it is. */
export function assertPlainFile(stat: Stats, path: string): number {
  if (stat.isSymbolicLink()) throw new StoreError('CORRUPT', `backup entry ${path} is a symbolic link; a backup holds none`);
  if (!stat.isFile()) throw new StoreError('CORRUPT', `backup entry ${path} is a device, FIFO or socket; a backup holds none`);
  if (stat.nlink > 1) throw new StoreError('CORRUPT', `backup entry ${path} is a hard link (${stat.nlink} names); a backup holds none`);
  return stat.size;
}

/** SHA-256 (hex) of a file, read without following a link. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/**
 * Copies `from` to a new file `to` (never through a link at either end: `O_NOFOLLOW`, and `O_EXCL`
 * for the new file; read and write permissions kept, nothing else), hashing what it copies, and syncs it. `CORRUPT` when the source is not a
 * plain file or its size or SHA-256 differs from `expected`.
 */
export async function copyChecked(from: string, to: string, label: string, expected?: { size: number; sha256?: string }): Promise<void> {
  const source = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stat = await source.stat();
    const size = assertPlainFile(stat, label);
    if (expected !== undefined && size !== expected.size) {
      throw new StoreError('CORRUPT', `backup file ${label} is ${size} bytes, the manifest says ${expected.size}`);
    }
    const hash = createHash('sha256');
    const target = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, stat.mode & 0o666);
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        await target.write(chunk);
      }
      await target.sync();
    } finally {
      await target.close();
    }
    const digest = hash.digest('hex');
    if (expected?.sha256 !== undefined && digest !== expected.sha256) {
      throw new StoreError('CORRUPT', `backup file ${label} differs from the manifest (SHA-256 ${digest}, expected ${expected.sha256})`);
    }
  } finally {
    await source.close();
  }
}
