import { equalBytes } from '../keys/index.js';
import type { Codec } from '../types.js';
import type { Snapshot } from './types.js';

/** The decoded snapshot one codec produced, under the stamp it was decoded from. */
interface Entry {
  stamp: Uint8Array;
  value: Snapshot<unknown> | undefined;
}

/**
 * Per backend (one per domain route, held in `StoreContext.state`): the last decoded snapshot per
 * codec, shared by every handle of the process, and the decode in flight, so readers that arrive
 * together decode once and get the same object.
 */
export class SnapshotCache {
  readonly #entries = new WeakMap<Codec<unknown>, Entry>();
  /** The decode running now, if any: later readers wait for it instead of decoding again. */
  loading: Promise<unknown> | undefined;

  /** The cached value when `stamp` is the stamp it was decoded from; `miss` otherwise. */
  lookup(codec: Codec<unknown>, stamp: Uint8Array): Snapshot<unknown> | undefined | typeof MISS {
    const entry = this.#entries.get(codec);
    return entry !== undefined && equalBytes(entry.stamp, stamp) ? entry.value : MISS;
  }

  /** Remembers what `stamp` decodes to (a copy of the stamp is kept). */
  store(codec: Codec<unknown>, stamp: Uint8Array, value: Snapshot<unknown> | undefined): void {
    this.#entries.set(codec, { stamp: stamp.slice(), value });
  }
}

/** Returned by {@link SnapshotCache.lookup} when the cache cannot answer. */
export const MISS: unique symbol = Symbol('snapshot cache miss');
