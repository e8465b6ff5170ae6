/**
 * The adapters under test, for the parent (test) side. Tests choose among them by capability, never
 * by name; a child gets the `source` of its adapter and imports only that one.
 */
import { type AdapterSource, type AnyAdapter, loadAdapter, type StoreTarget } from './stores.js';

/** Every persistent adapter package of the workspace. */
const SOURCES: readonly AdapterSource[] = [
  { specifier: '@agentstore/adapter-sqlite', exportName: 'sqliteAdapter' },
  { specifier: '@agentstore/adapter-lmdb', exportName: 'lmdbAdapter' },
  { specifier: '@agentstore/adapter-level', exportName: 'levelAdapter' },
];

/** An adapter with where it comes from. */
export interface AdapterUnderTest {
  readonly name: string;
  readonly adapter: AnyAdapter;
  readonly source: AdapterSource;
  /** A store target on `dataDir` routing every domain to this adapter with `options`. */
  target(dataDir: string, options?: Record<string, unknown>): StoreTarget;
}

const all: AdapterUnderTest[] = await Promise.all(
  SOURCES.map(async (source) => {
    const adapter = await loadAdapter(source);
    return {
      name: adapter.name,
      adapter,
      source,
      target: (dataDir: string, options?: Record<string, unknown>) => ({ dataDir, source, options }),
    };
  }),
);

/** Adapters whose data survives reopening (the crash test runs on all of them). */
export const persistentAdapters = all.filter((a) => a.adapter.capabilities.persistent);

/** Adapters that promise exactness with several processes on one dataDir. */
export const multiProcessAdapters = persistentAdapters.filter((a) => a.adapter.capabilities.multiProcess);

/** Persistent adapters whose location belongs to one process (a second one gets `LOCKED`). */
export const singleProcessAdapters = persistentAdapters.filter((a) => !a.adapter.capabilities.multiProcess);

/** Writer processes per crash round: 3 where several processes may share the dataDir, else 1. */
export function writersFor(a: AdapterUnderTest): number {
  return a.adapter.capabilities.multiProcess ? 3 : 1;
}
