/** Child side: opens a store on the adapter named in the child's parameters, importing only that adapter. */
import { createStore, type Store } from '@agentstore/core';
import type { Adapter } from '@agentstore/core/spi';

/** Where a child opens its store: plain data, passed in its JSON argv. */
export interface KindsTarget {
  readonly dataDir: string;
  /** Name of the adapter every domain is routed to. */
  readonly adapter: string;
  readonly options?: Record<string, unknown>;
}

// Literal specifiers, so the child bundler (harness/bundle-child.mjs) can see and bundle each one.
const SOURCES: Record<string, readonly [() => Promise<Record<string, unknown>>, string]> = {
  sqlite: [() => import('@agentstore/adapter-sqlite'), 'sqliteAdapter'],
  lmdb: [() => import('@agentstore/adapter-lmdb'), 'lmdbAdapter'],
  level: [() => import('@agentstore/adapter-level'), 'levelAdapter'],
};

/** Opens a store with every domain routed to `target.adapter`. */
export async function openTarget(target: KindsTarget): Promise<Store> {
  const source = SOURCES[target.adapter];
  if (source === undefined) throw new Error(`no import known for adapter ${target.adapter}`);
  const module = await source[0]();
  const adapter = module[source[1]] as Adapter;
  return createStore({ dataDir: target.dataDir, adapters: [adapter], default: { adapter: adapter.name, options: target.options ?? {} } });
}

/** Runs `fn` on a freshly opened store and closes it afterwards. */
export async function withTarget<T>(target: KindsTarget, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openTarget(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
