import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { jsonEqual } from '../checkpoints/validate-input.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { Flushable } from '../runtime/store-context.js';
import type { Json } from '../types.js';
import { HnswCache } from './hnsw-cache.js';
import { HnswIndex } from './hnsw-index.js';
import { loadNative, nativeStatus } from './native-hnsw.js';
import type { VectorIndexInfo } from './types.js';
import type { SetListener, VectorIndex } from './vector-index.js';
import type { Scored, VectorSet } from './vector-set.js';
import type { VectorsHead } from './vectors-layout.js';

/**
 * Answers searches over a domain's in-memory copy: exactly at or below `threshold` entries (or
 * without the native library), else through the approximate index, which it builds on first need,
 * keeps current by following the copy's changes, and saves under dataDir (when the adapter is
 * persistent) so the next process maps it instead of building it.
 */
export class VectorSearcher implements SetListener, Flushable {
  readonly #index: VectorIndex;
  readonly #cache: HnswCache | undefined;
  #hnsw: HnswIndex | undefined;
  #epoch: string | undefined;
  /** Parsed metadata per seq, for filters. */
  readonly #parsed = new Map<number, Record<string, Json> | undefined>();
  #nativeMissing = false;

  constructor(index: VectorIndex, cacheBase: string | undefined) {
    this.#index = index;
    this.#cache = cacheBase === undefined ? undefined : new HnswCache(cacheBase);
    index.listen(this);
  }

  /** The cache file base of a domain's approximate index: under dataDir, named by route and domain. */
  static cacheBase(dataDir: string, d: OpenDomain): string {
    const id = createHash('sha256')
      .update(JSON.stringify([d.route.adapter, d.route.options, d.domain]))
      .digest('hex')
      .slice(0, 24);
    return join(dataDir, '.vector-index', `${d.domain}-${id}`);
  }

  /** The native library's state in this process. */
  static nativeStatus(): string {
    return nativeStatus();
  }

  /** The set searched (current as of the last refresh). */
  get set(): VectorSet {
    return this.#index.set as VectorSet;
  }

  reloaded(_set: VectorSet, head: VectorsHead): void {
    this.#hnsw = undefined;
    this.#epoch = head.epoch;
    this.#parsed.clear();
  }

  upserted(set: VectorSet, slot: number, replaced: number | undefined): void {
    this.#hnsw?.upserted(set, slot, set.seqAt(slot), replaced);
    if (replaced !== undefined) this.#parsed.delete(replaced);
  }

  deleted(seq: number): void {
    this.#hnsw?.deleted(seq);
    this.#parsed.delete(seq);
  }

  /** Gets the approximate index ready when the set is above `threshold` entries (after a refresh). */
  async prepare(threshold: number): Promise<void> {
    const set = this.set;
    if (set.size <= threshold || this.#hnsw !== undefined || this.#nativeMissing) return;
    const native = await loadNative();
    if (native === undefined) {
      this.#nativeMissing = true;
      return;
    }
    if (this.#hnsw !== undefined) return; // another search prepared it meanwhile
    const epoch = this.#epoch as string;
    const saved = this.#cache?.find(epoch, this.#index.version);
    if (saved) {
      try {
        this.#hnsw = HnswIndex.view(native, saved.file, saved.version, set);
      } catch {
        this.#hnsw = undefined; // a damaged or foreign file: build instead
      }
    }
    if (this.#hnsw === undefined) {
      this.#hnsw = HnswIndex.build(native, set);
      this.#save();
    }
  }

  /** Whether slot `slot`'s metadata holds every field of `filter` with an equal value. */
  matches(slot: number, filter: Readonly<Record<string, Json>>): boolean {
    const set = this.set;
    const seq = set.seqAt(slot);
    let meta = this.#parsed.get(seq);
    if (meta === undefined && !this.#parsed.has(seq)) {
      const text = set.metadataAt(slot);
      meta = text === undefined ? undefined : (JSON.parse(text) as Record<string, Json>);
      this.#parsed.set(seq, meta);
    }
    for (const field of Object.keys(filter)) {
      if (meta === undefined || !Object.hasOwn(meta, field) || !jsonEqual(meta[field], filter[field])) return false;
    }
    return true;
  }

  /** The `k` best slots accepted by `accept`, best first; exact at or below `threshold` entries. */
  search(query: Float32Array, k: number, accept: ((slot: number) => boolean) | undefined, threshold: number): Scored[] {
    const set = this.set;
    if (set.size > threshold && this.#hnsw) {
      const found = this.#hnsw.search(set, query, k, accept);
      if (found) return found;
    }
    return set.exact(query, k, accept);
  }

  /** The search path in use. */
  describe(threshold: number): Pick<VectorIndexInfo, 'mode' | 'native'> {
    const mode = this.set.size <= threshold ? 'exact' : this.#hnsw ? 'hnsw' : 'exact-fallback';
    return { mode, native: nativeStatus() };
  }

  /** Saves the approximate index when it changed since it was saved (store `sync` and `close`). */
  async flush(): Promise<void> {
    if (this.#hnsw?.dirty) this.#save();
  }

  #save(): void {
    const hnsw = this.#hnsw;
    if (!hnsw || !this.#cache || this.#epoch === undefined) return;
    try {
      this.#cache.save(hnsw.native, this.#epoch, this.#index.version);
      hnsw.dirty = false;
    } catch (err) {
      // The cache is an optimisation: a full disk costs a rebuild in the next process, not a failed search.
      process.emitWarning(`agentstore vectors: could not save the approximate index: ${(err as Error).message}`, {
        code: 'AGENTSTORE_VECTORS_CACHE',
      });
    }
  }
}
