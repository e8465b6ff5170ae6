import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import type { StoreConfig } from '@agentstore/core';

/** The demo's routing: run records and counters in SQLite, checkpoints in LMDB, the event journal in LevelDB. */
export function demoStoreConfig(dataDir: string): StoreConfig {
  return {
    dataDir,
    adapters: [sqliteAdapter, lmdbAdapter, levelAdapter],
    default: { adapter: 'sqlite' },
    domains: {
      runs: { adapter: 'sqlite', options: { durability: 'strict' } },
      checkpoints: { adapter: 'lmdb' },
      journal: { adapter: 'level' },
    },
  };
}
