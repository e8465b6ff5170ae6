import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import type { StoreConfig } from '@agentstore/core';

/**
 * The demo's routing: run records and counters in SQLite; LangGraph's checkpoints (with their pending writes
 * and channel values) and thread heads in LMDB (read on every resume and every step); the agent's event
 * journal, write-heavy, in LevelDB (`checkpoint_writes` is only read, to migrate data of earlier versions).
 */
export function demoStoreConfig(dataDir: string): StoreConfig {
  return {
    dataDir,
    adapters: [sqliteAdapter, lmdbAdapter, levelAdapter],
    default: { adapter: 'sqlite' },
    domains: {
      runs: { adapter: 'sqlite', options: { durability: 'strict' } },
      checkpoints: { adapter: 'lmdb' },
      checkpoint_heads: { adapter: 'lmdb' },
      checkpoint_writes: { adapter: 'level' },
      journal: { adapter: 'level' },
    },
  };
}
