import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, type Store } from '@agentstore/core';
import type { CheckpointSaverTestInitializer } from '@langchain/langgraph-checkpoint-validation';
import { AgentstoreSaver, type AgentstoreSaverOptions } from '../../src/index.js';

/** Adapters the saver is validated on. */
export const ADAPTERS = ['memory', 'sqlite', 'lmdb', 'level'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** The saver's domains split across three backends. */
const ROUTED = {
  checkpoints: { adapter: 'sqlite' },
  checkpoint_writes: { adapter: 'level' },
  checkpoint_heads: { adapter: 'lmdb' },
};

/**
 * A store in a fresh temporary directory with every domain on `adapter` (`routed`: the saver's domains
 * on sqlite, level and lmdb); `destroy` closes and removes it.
 */
export async function openStore(adapter: AdapterName | 'routed', dataDir?: string): Promise<{ store: Store; destroy(): Promise<void> }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), `agentstore-langgraph-${adapter}-`)));
  const routing = adapter === 'routed' ? { default: { adapter: 'memory' }, domains: ROUTED } : { default: { adapter } };
  const store = await createStore({ dataDir: dir, adapters: [sqliteAdapter, lmdbAdapter, levelAdapter], ...routing });
  return {
    store,
    async destroy() {
      await store.close();
      if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The validation suite's initializer for AgentstoreSaver on `adapter`, under our own checkpointer name. */
export function validationInitializer(
  adapter: AdapterName | 'routed',
  options: AgentstoreSaverOptions = {},
): CheckpointSaverTestInitializer<AgentstoreSaver> {
  const open = new Map<AgentstoreSaver, () => Promise<void>>();
  return {
    checkpointerName: `agentstore-${adapter}`,
    async createCheckpointer() {
      const { store, destroy } = await openStore(adapter);
      const saver = new AgentstoreSaver(store, options);
      open.set(saver, destroy);
      return saver;
    },
    async destroyCheckpointer(saver) {
      await open.get(saver)?.();
      open.delete(saver);
    },
  };
}
