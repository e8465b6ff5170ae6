/**
 * Parent side of the journal/snapshots reliability tests: the workspace's adapters, picked by
 * capability. Kept apart from `harness/` so these tests do not depend on its in-progress changes.
 */
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import type { Adapter } from '@agentstore/core/spi';

const ALL: ReadonlyArray<Adapter> = [sqliteAdapter, lmdbAdapter, levelAdapter];

/** Adapters that promise exactness with several processes on one dataDir. */
export const multiProcessAdapters = ALL.filter((a) => a.capabilities.persistent && a.capabilities.multiProcess);

/** Adapters whose data survives reopening. */
export const persistentAdapters = ALL.filter((a) => a.capabilities.persistent);
