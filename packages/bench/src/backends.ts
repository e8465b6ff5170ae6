import { join } from 'node:path';
import type { Store, StoreConfig } from '@agentstore/core';
import type { Context } from './context.js';
import { agentstoreCheckpoints, agentstoreKv, DOMAINS, openBenchStore } from './subjects/agentstore.js';
import { openRawLevel } from './subjects/raw-level.js';
import { openRawLmdb } from './subjects/raw-lmdb.js';
import { rawMemoryCheckpoints, rawMemoryKv } from './subjects/raw-memory.js';
import { openRawSqlite } from './subjects/raw-sqlite.js';
import type { CheckpointTarget, KvTarget } from './subjects/types.js';

type AnyAdapter = NonNullable<StoreConfig['adapters']>[number];

/** A backend opened for one run: agentstore on its adapter and the raw driver beside it. */
export interface OpenBackend {
  readonly name: string;
  readonly store: Store;
  readonly kv: KvTarget;
  readonly bufferedKv: KvTarget;
  readonly checkpoints: CheckpointTarget;
  readonly strictCheckpoints: CheckpointTarget;
  readonly raw: {
    readonly label: string;
    readonly kv: KvTarget;
    readonly checkpoints: CheckpointTarget;
    /** Undefined where durability means nothing (memory). */
    readonly strictCheckpoints: CheckpointTarget | undefined;
  };
  close(): Promise<void>;
}

/** Backends in the order they run. */
export const BACKENDS = ['memory', 'sqlite', 'lmdb', 'level'] as const;

/** Loads an adapter package by name; a string says why it could not (the section is then skipped). */
async function loadAdapter(pkg: string, exportName: string): Promise<AnyAdapter | string> {
  try {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const adapter = mod[exportName];
    return adapter && typeof adapter === 'object' ? (adapter as AnyAdapter) : `${pkg} does not export ${exportName} yet`;
  } catch (err) {
    return `${pkg} cannot be loaded (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Opens `name` in a fresh temporary directory; a string says why it cannot run here. */
export async function openBackend(ctx: Context, name: (typeof BACKENDS)[number]): Promise<OpenBackend | string> {
  const dir = ctx.tempDir(name);
  const adapter = name === 'memory' ? undefined : await loadAdapter(`@agentstore/adapter-${name}`, `${name}Adapter`);
  if (typeof adapter === 'string') return adapter;
  const store = await openBenchStore(join(dir, 'agentstore'), name, adapter);
  const ours = {
    store,
    kv: agentstoreKv(store, DOMAINS.kv),
    bufferedKv: agentstoreKv(store, DOMAINS.buffered),
    checkpoints: agentstoreCheckpoints(store, DOMAINS.checkpoints),
    strictCheckpoints: agentstoreCheckpoints(store, DOMAINS.strictCheckpoints),
  };
  const rawDir = (sub: string) => join(dir, sub);
  switch (name) {
    case 'memory': {
      const raw = { label: 'Map', kv: rawMemoryKv(), checkpoints: rawMemoryCheckpoints(), strictCheckpoints: undefined };
      return { name, ...ours, raw, close: () => store.close() };
    }
    case 'sqlite': {
      const balanced = openRawSqlite(rawDir('raw.db'), 'NORMAL');
      const strict = openRawSqlite(rawDir('raw-strict.db'), 'FULL');
      const raw = { label: 'better-sqlite3', kv: balanced.kv, checkpoints: balanced.checkpoints, strictCheckpoints: strict.checkpoints };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          balanced.close();
          strict.close();
          await store.close();
        },
      };
    }
    case 'lmdb': {
      const balanced = openRawLmdb(rawDir('raw-lmdb'), false);
      const strict = openRawLmdb(rawDir('raw-lmdb-strict'), true);
      const raw = { label: 'lmdb-js', kv: balanced.kv, checkpoints: balanced.checkpoints, strictCheckpoints: strict.checkpoints };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          await Promise.all([balanced.close(), strict.close()]);
          await store.close();
        },
      };
    }
    case 'level': {
      const level = await openRawLevel(rawDir('raw-level'));
      const raw = { label: 'classic-level', kv: level.kv, checkpoints: level.checkpoints, strictCheckpoints: level.strictCheckpoints };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          await level.close();
          await store.close();
        },
      };
    }
  }
}
