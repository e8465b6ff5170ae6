/** Public types of the `snapshots` kind (SPEC §5): one whole snapshot, swapped atomically. */
import type { Codec } from '../types.js';

/** Options of `store.snapshots()`. */
export interface SnapshotsOptions<S> {
  /** Codec of the snapshot itself (`opts` always use the default codec). */
  readonly codec?: Codec<S>;
}

/** What `put` takes beside the snapshot: plain data stored with it and returned by `get`. */
export type SnapshotOptions = Readonly<Record<string, unknown>>;

/** What `get` returns: shared, deep-frozen, the same object while the epoch is unchanged. */
export interface Snapshot<S> {
  readonly snapshot: S;
  /** The epoch `put` returned for this snapshot. */
  readonly epoch: number;
  /** The options given to `put`; `{}` when none were. */
  readonly opts: SnapshotOptions;
}

/** One snapshot swapped as a whole, with a monotonic epoch: one domain of kind `snapshots`. */
export interface SnapshotStore<S = unknown> {
  /** Replaces the snapshot atomically; returns the new epoch (the previous one + 1). */
  put(snapshot: S, opts?: SnapshotOptions): Promise<number>;
  /** The current snapshot, or undefined when none was put or it was cleared. */
  get(): Promise<Snapshot<S> | undefined>;
  /** The current epoch: 0 when nothing was ever put or cleared. */
  epoch(): Promise<number>;
  /** Removes the snapshot and bumps the epoch (so other processes notice); returns the new epoch. */
  clear(): Promise<number>;
}
