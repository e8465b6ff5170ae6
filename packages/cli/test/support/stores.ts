import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, isStoreError, type Store, type StoreConfig } from '@agentstore/core';

/** Every adapter a migration can go between. */
export const ADAPTERS = ['memory', 'sqlite', 'level', 'lmdb'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** A fresh temp directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'agentstore-cli-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A store on `dataDir` with every adapter registered. */
export function openStore(dataDir: string, domains: StoreConfig['domains'] = {}): Promise<Store> {
  return createStore({ dataDir, adapters: [sqliteAdapter, lmdbAdapter, levelAdapter], default: { adapter: 'memory' }, domains });
}

/** The error code a promise rejects with (undefined when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return isStoreError(err) ? err.code : `non-StoreError: ${String(err)}`;
  }
}

/** Writes `n` kv records `['r', i] → { i, big, at, tag }` in batches. */
export async function fillKv(store: Store, domain: string, n: number): Promise<void> {
  const kv = store.kv(domain);
  const batch = 2000;
  for (let i = 0; i < n; i += batch) {
    const entries = Array.from({ length: Math.min(batch, n - i) }, (_, j) => {
      const k = i + j;
      return [['r', k], { i: k, big: BigInt(k) * 1_000_000_007n, at: new Date(k), tag: `v${k % 97}` }] as const;
    });
    await kv.putMany(entries);
  }
}
