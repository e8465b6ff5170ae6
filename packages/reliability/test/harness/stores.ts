import { levelAdapter } from '@agentstore/adapter-level';
import * as lmdb from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { type Adapter, type Store, createStore } from '@agentstore/core';

/** Every persistent adapter of the workspace; tests pick among them by capability, never by name. */
// biome-ignore lint/suspicious/noExplicitAny: adapters differ in their option types
export const ADAPTERS: ReadonlyArray<Adapter<any>> = [
  sqliteAdapter,
  // TEMP until adapter-lmdb exports its adapter
  (lmdb as unknown as { lmdbAdapter?: Adapter<any> }).lmdbAdapter,
  levelAdapter,
].filter((a): a is Adapter<any> => a !== undefined);

/** Adapters whose data survives reopening (the crash test runs on all of them). */
export const persistentAdapters = ADAPTERS.filter((a) => a.capabilities.persistent);

/** Adapters that promise exactness with several processes on one dataDir. */
export const multiProcessAdapters = ADAPTERS.filter((a) => a.capabilities.persistent && a.capabilities.multiProcess);

/** Persistent adapters whose location belongs to one process (a second one gets `LOCKED`). */
export const singleProcessAdapters = ADAPTERS.filter((a) => a.capabilities.persistent && !a.capabilities.multiProcess);

/** Writer processes per crash round: 3 where several processes may share the dataDir, else 1. */
export function writersFor(adapter: Adapter<unknown>): number {
  return adapter.capabilities.multiProcess ? 3 : 1;
}

/** Where a child opens its store: plain data, passed in its JSON argv. */
export interface StoreTarget {
  readonly dataDir: string;
  /** The adapter every domain is routed to (the name the test got from the adapter object). */
  readonly adapter: string;
  /** Domain options (common and adapter-specific). */
  readonly options?: Record<string, unknown>;
}

/** Opens a store with every domain routed to `target.adapter`. */
export function openStore(target: StoreTarget): Promise<Store> {
  return createStore({
    dataDir: target.dataDir,
    adapters: ADAPTERS,
    default: { adapter: target.adapter, options: target.options ?? {} },
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
