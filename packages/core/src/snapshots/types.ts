/** Public types of the `snapshots` kind (SPEC §5): one whole snapshot, swapped atomically. */
import type { Codec } from '../types.js';

/** Options of `store.snapshots()`. */
export interface SnapshotsOptions<S> {
  /** Codec of the snapshot itself (`opts` always use the default codec). */
  readonly codec?: Codec<S>;
}

/** What `put` takes beside the snapshot: plain data stored with it and returned by `get`. */
export type SnapshotOptions = Readonly<Record<string, unknown>>;

/**
 * One catalog index over a snapshot, declared at `put` and stored with it (LLMDB.Store's provider
 * and model lookups). `path` leads from the snapshot's root to a collection (an array, a plain
 * object or a Map of records); a `'*'` segment walks every entry of the collection it meets and makes
 * its name (property or Map key; an array element's `id`) part of the scope that lookups name first.
 */
export interface CatalogIndex {
  /** Segments from the root (`['providers', '*', 'models']`) or the same joined by dots. */
  readonly path: string | readonly string[];
  /** The field holding a record's id; default `'id'`. Where it is absent, an object or Map entry's own key is the id. */
  readonly key?: string;
  /** Fields holding a record's aliases (a string or a list of strings); lookups resolve them to the record. */
  readonly aliases?: string | readonly string[];
}

/** What `put` takes as its third argument. */
export interface SnapshotPutOptions {
  /** Catalog indexes by name, built once per epoch in each process that reads them. */
  readonly indexes?: Readonly<Record<string, CatalogIndex>>;
}

/** A lookup key: the id alone, or the scope names of the index's `'*'` segments followed by the id. */
export type CatalogKey = string | number | ReadonlyArray<string | number>;

/** What `get` returns: shared, deep-frozen, the same object while the epoch is unchanged. */
export interface Snapshot<S> {
  readonly snapshot: S;
  /** The epoch `put` returned for this snapshot. */
  readonly epoch: number;
  /** The options given to `put`; `{}` when none were. */
  readonly opts: SnapshotOptions;
}

/**
 * A frozen catalog of one epoch: every call answers synchronously from the process's decoded copy
 * (a map read; no decode, no scan). `M` maps each index name to its record type.
 */
export interface CatalogView<S = unknown, M extends Record<string, unknown> = Record<string, unknown>> extends Snapshot<S> {
  /** The record whose id or alias is `key` in its scope, or undefined. `INVALID_VALUE` for an undeclared index or a key of the wrong arity. */
  lookup<I extends keyof M & string>(index: I, key: CatalogKey): M[I] | undefined;
  /** The records of an index in snapshot order: all of them, or those of one scope. */
  list<I extends keyof M & string>(index: I, scope?: CatalogKey): ReadonlyArray<M[I]>;
  /** Names of the indexes declared with this snapshot. */
  indexes(): string[];
}

/** Catalog lookups over a snapshots domain; each call checks the epoch first (one small read). */
export interface SnapshotCatalog<S = unknown, M extends Record<string, unknown> = Record<string, unknown>> {
  /** Like {@link CatalogView.lookup} on the current epoch; undefined when no snapshot is stored. */
  lookup<I extends keyof M & string>(index: I, key: CatalogKey): Promise<M[I] | undefined>;
  /** Like {@link CatalogView.list} on the current epoch; `[]` when no snapshot is stored. */
  list<I extends keyof M & string>(index: I, scope?: CatalogKey): Promise<ReadonlyArray<M[I]>>;
  /** The current epoch's frozen view, for synchronous lookups; undefined when no snapshot is stored. */
  current(): Promise<CatalogView<S, M> | undefined>;
}

/** One snapshot swapped as a whole, with a monotonic epoch: one domain of kind `snapshots`. */
export interface SnapshotStore<S = unknown> {
  /** Replaces the snapshot atomically (with its catalog indexes, if declared); returns the new epoch (the previous one + 1). */
  put(snapshot: S, opts?: SnapshotOptions, options?: SnapshotPutOptions): Promise<number>;
  /** The current snapshot, or undefined when none was put or it was cleared. */
  get(): Promise<Snapshot<S> | undefined>;
  /** The current snapshot itself (frozen, shared), or undefined: LLMDB.Store's `snapshot()`. */
  snapshot(): Promise<S | undefined>;
  /** The options given to the current snapshot's `put` (`{}` when none), or undefined: LLMDB.Store's `last_opts()`. */
  lastOptions(): Promise<SnapshotOptions | undefined>;
  /** The current epoch: 0 when nothing was ever put or cleared. */
  epoch(): Promise<number>;
  /** Removes the snapshot and bumps the epoch (so other processes notice); returns the new epoch. */
  clear(): Promise<number>;
  /** Typed catalog lookups over the indexes declared at `put`; `M` maps index names to record types. */
  catalog<M extends Record<string, unknown> = Record<string, unknown>>(): SnapshotCatalog<S, M>;
}
