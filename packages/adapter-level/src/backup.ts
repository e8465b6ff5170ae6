import { rm } from 'node:fs/promises';
import { relative } from 'node:path';
import { resolveInsideDataDir } from '@agentstore/core/spi';
import { translateLevelError } from './errors.js';
import type { LocationLease } from './location.js';
import { type NativeOp, openNative } from './native.js';

const BATCH = 1000;

/**
 * Copies a whole location (every domain in it and their names) into a fresh LevelDB at the same place
 * under `targetDir`, by iterating a snapshot: LevelDB iterators read the state of their creation, so
 * the copy is consistent while the store's writers go on.
 */
export async function backupLocation(lease: LocationLease, realDataDir: string, targetDir: string): Promise<void> {
  // The policy makes and checks the parents; the location itself is made anew by the native open.
  const dest = resolveInsideDataDir(targetDir, relative(realDataDir, lease.path), { kind: 'directory', create: true });
  await rm(dest, { recursive: true, force: true });
  const out = await openNative(dest, { cacheSize: 8 * 1024 * 1024, writeBufferSize: 4 * 1024 * 1024, compression: true });
  const iterator = lease.db.iterator({});
  try {
    for (;;) {
      const entries = await iterator.nextv(BATCH);
      if (entries.length === 0) break;
      const ops: NativeOp[] = entries.map(([key, value]) => ({ type: 'put', key, value }));
      await out.batch(ops, { sync: false });
    }
  } catch (err) {
    throw translateLevelError(err, `level: backing up ${lease.path}`);
  } finally {
    await iterator.close();
    await out.close(); // closing flushes the memtable to the new location's files
  }
}
