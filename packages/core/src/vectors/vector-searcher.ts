import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { jsonEqual } from '../checkpoints/validate-input.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { Json } from '../types.js';
import type { VectorIndexInfo } from './types.js';
import type { VectorIndex } from './vector-index.js';
import type { Scored, VectorSet } from './vector-set.js';

/** Where a searcher may keep its approximate index between runs. */
export interface SearcherContext {
  /** A file path for the persisted index, or undefined (memory adapter: nothing outlives the process). */
  readonly cacheFile: string | undefined;
}

/**
 * Answers searches over a domain's in-memory copy: exactly at or below `threshold` entries (or
 * without the native library), else through the approximate index.
 */
export class VectorSearcher {
  readonly #index: VectorIndex;
  readonly #context: SearcherContext;
  /** Parsed metadata per seq, for filters (cleared when the set changes under it). */
  #parsed = new Map<number, Record<string, Json> | undefined>();
  /** Size up to which searches are exact. */
  threshold = 10_000;

  constructor(index: VectorIndex, context: SearcherContext) {
    this.#index = index;
    this.#context = context;
  }

  /** The cache file of a domain's approximate index: under dataDir, named by route and domain. */
  static cachePath(dataDir: string, d: OpenDomain): string {
    const id = createHash('sha256')
      .update(JSON.stringify([d.route.adapter, d.route.options, d.domain]))
      .digest('hex')
      .slice(0, 32);
    return join(dataDir, '.vector-index', `${id}.usearch`);
  }

  /** The native library's state in this process. */
  static nativeStatus(): string {
    return 'unavailable: not loaded';
  }

  /** The set searched (current as of the last refresh). */
  get set(): VectorSet {
    return this.#index.set as VectorSet;
  }

  /** Whether slot `slot`'s metadata holds every field of `filter` with an equal value. */
  matches(slot: number, filter: Readonly<Record<string, Json>>): boolean {
    const set = this.set;
    const seq = set.seqAt(slot);
    let meta = this.#parsed.get(seq);
    if (meta === undefined && !this.#parsed.has(seq)) {
      const text = set.metadataAt(slot);
      meta = text === undefined ? undefined : (JSON.parse(text) as Record<string, Json>);
      if (this.#parsed.size > 200_000) this.#parsed.clear();
      this.#parsed.set(seq, meta);
    }
    if (meta === undefined) return Object.keys(filter).length === 0;
    for (const field of Object.keys(filter)) {
      if (!Object.hasOwn(meta, field) || !jsonEqual(meta[field], filter[field])) return false;
    }
    return true;
  }

  /** The `k` best slots accepted by `accept`, best first. */
  search(query: Float32Array, k: number, accept: ((slot: number) => boolean) | undefined): Scored[] {
    return this.set.exact(query, k, accept);
  }

  /** The search path in use. */
  describe(): Pick<VectorIndexInfo, 'mode' | 'native'> {
    void this.#context;
    return { mode: 'exact', native: VectorSearcher.nativeStatus() };
  }
}
