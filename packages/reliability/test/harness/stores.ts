import { createStore, type Store } from '@agentstore/core';
import type { Adapter } from '@agentstore/core/spi';
import { watchWakeups } from './wakeups.js';

/** Where an adapter is exported from, so a child process imports only the adapter it uses. */
export interface AdapterSource {
  /** Package to import (a workspace package, resolved through its `source` condition). */
  readonly specifier: string;
  /** Name of the export holding the adapter object. */
  readonly exportName: string;
}

/** Where a child opens its store: plain data, passed in its JSON argv. */
export interface StoreTarget {
  readonly dataDir: string;
  /** The adapter every domain is routed to. */
  readonly source: AdapterSource;
  /** Domain options (common and adapter-specific). */
  readonly options?: Record<string, unknown>;
}

export type AnyAdapter = Adapter;

// Literal specifiers, so the child bundler (bundle-child.mjs) can see and bundle each adapter in a
// chunk of its own; any other specifier is imported as written.
const IMPORTERS: Record<string, () => Promise<Record<string, unknown>>> = {
  '@agentstore/adapter-sqlite': () => import('@agentstore/adapter-sqlite'),
  '@agentstore/adapter-lmdb': () => import('@agentstore/adapter-lmdb'),
  '@agentstore/adapter-level': () => import('@agentstore/adapter-level'),
  '@agentstore/adapter-postgres': () => import('@agentstore/adapter-postgres'),
  '@agentstore/adapter-redis': () => import('@agentstore/adapter-redis'),
};

const loaded = new Map<string, Promise<AnyAdapter>>();

/** Imports the adapter `source` names (once per process). */
export function loadAdapter(source: AdapterSource): Promise<AnyAdapter> {
  const key = `${source.specifier}#${source.exportName}`;
  let pending = loaded.get(key);
  if (pending === undefined) {
    pending = (IMPORTERS[source.specifier]?.() ?? import(source.specifier)).then((module: Record<string, unknown>) => {
      watchWakeups(module);
      const adapter = module[source.exportName] as AnyAdapter | undefined;
      if (adapter === undefined) throw new Error(`${source.specifier} does not export ${source.exportName}`);
      return adapter;
    });
    loaded.set(key, pending);
  }
  return pending;
}

/** Opens a store with every domain routed to the target's adapter. */
export async function openStore(target: StoreTarget): Promise<Store> {
  const adapter = await loadAdapter(target.source);
  return createStore({
    dataDir: target.dataDir,
    adapters: [adapter],
    default: { adapter: adapter.name, options: target.options ?? {} },
  });
}

/** Runs `fn` on a freshly opened store and closes it afterwards, whatever happens. */
export async function withStore<T>(target: StoreTarget, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
