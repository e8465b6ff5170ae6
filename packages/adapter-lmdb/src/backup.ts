import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolveInsideDataDir } from '@agentstore/core/spi';
import { toStoreError } from './errors.js';
import type { SharedEnv } from './shared-env.js';

/**
 * Copies one environment with lmdb's own online copy (`mdb_env_copy2` with compaction, inside a read
 * transaction: a consistent snapshot while writers go on) into the same place under `targetDir` (through core's path policy).
 */
export async function backupEnv(env: SharedEnv, dataDir: string, targetDir: string): Promise<void> {
  const dest = resolveInsideDataDir(targetDir, relative(dataDir, env.path), { kind: 'directory', create: true });
  rmSync(join(dest, 'data.mdb'), { force: true });
  rmSync(join(dest, 'lock.mdb'), { force: true });
  try {
    await env.root.backup(dest, true);
  } catch (err) {
    throw toStoreError(err, `backup of ${env.path}`);
  }
}
