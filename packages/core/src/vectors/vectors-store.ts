import { randomBytes } from 'node:crypto';
import { jsonEqual } from '../checkpoints/validate-input.js';
import { StoreError } from '../errors.js';
import { compareBytes, decodeKey, encodeKey, rangeToBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard } from '../runtime/to-store-error.js';
import type { ByteRange, Tx } from '../spi/backend.js';
import type { Json, Key } from '../types.js';
import { type ColdResult, ColdSearcher } from './cold-search.js';
import { loadNative } from './native-hnsw.js';
import type {
  StoredVector,
  VectorIndexInfo,
  VectorInput,
  VectorMatch,
  VectorMetadata,
  VectorMetric,
  VectorSearchOptions,
  VectorStore,
  VectorsOptions,
  VectorUpsert,
} from './types.js';
import { metadataText, searchPlan, toVector, type VectorsSettings, vectorsSettings } from './validate.js';
import { assertSettings, VectorIndex } from './vector-index.js';
import { VectorSearcher } from './vector-searcher.js';
import type { VectorSet } from './vector-set.js';
import {
  changeKey,
  decodeEntry,
  decodeHead,
  decodeTomb,
  encodeEntry,
  encodeHead,
  encodeTomb,
  entryKey,
  entrySeq,
  HEAD_KEY,
  stampEntry,
  tombKey,
  type VectorsHead,
} from './vectors-layout.js';

/** One checked write, built before the transaction. */
interface PreparedUpsert {
  readonly key: Uint8Array;
  readonly record: Uint8Array;
}

/**
 * The `vectors` handle (SPEC §9.3). Entries live in the domain (so every adapter, migration, backup
 * and export carry them); each write also records a change under a domain-wide seq, which is how this
 * process's in-memory copy (and its approximate index) catches up with writes of other processes at
 * the next `search`.
 */
export class VectorKvStore<M extends VectorMetadata = VectorMetadata> implements VectorStore<M> {
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #settings: VectorsSettings;

  constructor(ctx: StoreContext, domain: string, options: VectorsOptions) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#settings = vectorsSettings(options);
  }

  get dims(): number {
    return this.#settings.dims;
  }

  get metric(): VectorMetric {
    return this.#settings.metric;
  }

  upsert(key: Key, vector: VectorInput, metadata?: M): Promise<void> {
    return guard(async () => {
      const item = this.#prepare(key, vector, metadata);
      await this.#upsert([item]);
    });
  }

  upsertMany(items: Iterable<VectorUpsert<M>>): Promise<void> {
    return guard(async () => {
      if (items === null || typeof items !== 'object' || !(Symbol.iterator in items)) {
        throw new StoreError('INVALID_VALUE', 'upsertMany takes an iterable of { key, vector, metadata? }');
      }
      const prepared: PreparedUpsert[] = [];
      for (const item of items) {
        if (item === null || typeof item !== 'object')
          throw new StoreError('INVALID_VALUE', 'an upsertMany item must be { key, vector, metadata? }');
        prepared.push(this.#prepare(item.key, item.vector, item.metadata));
      }
      if (prepared.length > 0) await this.#upsert(prepared);
    });
  }

  get(key: Key): Promise<StoredVector<M> | undefined> {
    return guard(async () => {
      const k = encodeKey(key);
      const d = await this.#readable();
      const [head, bytes] = await d.backend.getMany([HEAD_KEY, entryKey(k)]);
      const recorded = decodeHead(head);
      if (recorded === undefined || bytes === undefined) return undefined;
      assertSettings(this.#domain, recorded, this.dims, this.metric);
      const entry = decodeEntry(bytes, this.dims);
      return { vector: entry.vector, metadata: parseMetadata<M>(entry.metadata) };
    });
  }

  delete(key: Key): Promise<boolean> {
    return guard(async () => {
      const k = encodeKey(key);
      const d = await this.#ctx.resolve(this.#domain);
      return this.#write(d, (tx) => {
        const ek = entryKey(k);
        const old = tx.get(ek);
        if (old === undefined) return false;
        const head = this.#head(tx) as VectorsHead; // an entry exists, so the head does
        const seq = head.seq + 1;
        tx.del(ek);
        tx.del(changeKey(entrySeq(old)));
        tx.put(changeKey(seq), k);
        tx.put(tombKey(k), encodeTomb(seq));
        tx.put(HEAD_KEY, encodeHead({ ...head, seq, count: head.count - 1 }));
        return true;
      });
    });
  }

  search(query: VectorInput, options?: VectorSearchOptions): Promise<Array<VectorMatch<M>>> {
    return guard(async () => {
      const q = toVector(query, this.dims, 'query');
      const plan = searchPlan(options);
      const range = plan.prefix === undefined ? undefined : rangeToBytes({ prefix: plan.prefix as Key });
      if (plan.k > 0) {
        const cold = await this.#coldSearch(q, plan.k, range, plan.filter);
        if (cold !== undefined) {
          return cold.hits.map(({ slot, score }) => ({
            key: decodeKey(cold.set.keyAt(slot)),
            score,
            metadata: parseMetadata<M>(cold.set.metadataAt(slot)),
          }));
        }
      }
      const searcher = await this.#refreshed();
      if (searcher === undefined || plan.k === 0) return [];
      const set = searcher.set;
      const filter = plan.filter;
      const accept =
        range === undefined && filter === undefined
          ? undefined
          : (slot: number): boolean =>
              (range === undefined || inRange(set.keyAt(slot), range)) && (filter === undefined || searcher.matches(slot, filter));
      return searcher.search(q, plan.k, accept, this.#settings.exactThreshold).map(({ slot, score }) => ({
        key: decodeKey(set.keyAt(slot)),
        score,
        metadata: parseMetadata<M>(set.metadataAt(slot)),
      }));
    });
  }

  count(): Promise<number> {
    return guard(async () => {
      const d = await this.#readable();
      return decodeHead(await d.backend.get(HEAD_KEY))?.count ?? 0;
    });
  }

  describe(): Promise<VectorIndexInfo> {
    return guard(async () => {
      const { dims, metric } = this.#settings;
      // Right after open, the saved graph answers: describing it does not load the domain.
      const cold = await this.#cold(await this.#readable());
      if (cold !== undefined) return { dims, metric, count: cold.head.count, mode: 'hnsw', native: VectorSearcher.nativeStatus() };
      const searcher = await this.#refreshed();
      if (searcher === undefined) return { dims, metric, count: 0, mode: 'exact', native: VectorSearcher.nativeStatus() };
      return { dims, metric, count: searcher.set.size, ...searcher.describe(this.#settings.exactThreshold) };
    });
  }

  /**
   * The searcher working from the saved graph while this process has not loaded the domain (SPEC
   * §9.3 open time), with the head it read; undefined when that path does not apply: loaded already,
   * never written, at or below the threshold, no saved graph, no native library, memory adapter.
   */
  async #cold(d: OpenDomain): Promise<{ cold: ColdSearcher; head: VectorsHead } | undefined> {
    const index = this.#ctx.state(d.backend, 'vectors', () => new VectorIndex());
    const base = this.#cacheBase(d);
    if (base === undefined) return undefined;
    const holder = this.#coldHolder(d);
    if (index.set !== undefined) {
      holder.cold = undefined; // loaded (by another handle, or a search this path could not answer): its mapping can go
      return undefined;
    }
    const head = decodeHead(await d.backend.get(HEAD_KEY));
    if (head === undefined || head.count <= this.#settings.exactThreshold) return undefined;
    assertSettings(this.#domain, head, this.dims, this.metric);
    const native = await loadNative();
    if (native === undefined || index.set !== undefined) return undefined;
    // Concurrent first searches share one opening.
    if (holder.epoch !== head.epoch || holder.cold === undefined) {
      holder.epoch = head.epoch;
      holder.cold = ColdSearcher.open(native, base, head, d.backend);
    }
    const cold = await holder.cold;
    return cold && { cold, head };
  }

  /** Where a domain's {@link ColdSearcher} is kept in this store (until the loaded path takes over). */
  #coldHolder(d: OpenDomain): { epoch?: string; cold?: Promise<ColdSearcher | undefined> | undefined } {
    return this.#ctx.state(d.backend, 'vectors-cold', () => ({}));
  }

  /**
   * Searches through {@link #cold}: undefined when that path does not apply or cannot answer (a
   * selective filter, too many writes since the graph), and the caller loads the domain and searches
   * it as usual, which from then on it always does.
   */
  async #coldSearch(
    query: Float32Array,
    k: number,
    range: ByteRange | undefined,
    filter: Readonly<Record<string, Json>> | undefined,
  ): Promise<ColdResult | undefined> {
    const d = await this.#readable();
    const ready = await this.#cold(d);
    if (ready === undefined) return undefined;
    const accept =
      range === undefined && filter === undefined
        ? undefined
        : (set: VectorSet, slot: number): boolean =>
            (range === undefined || inRange(set.keyAt(slot), range)) &&
            (filter === undefined || metadataMatches(set.metadataAt(slot), filter));
    const found = await ready.cold.search(d.backend, ready.head, query, k, accept);
    // The loaded path takes over for good: it maps the graph itself.
    if (found === undefined) this.#coldHolder(d).cold = undefined;
    return found;
  }

  /** The searcher of the domain, brought up to date (undefined before its first write). */
  async #refreshed(): Promise<VectorSearcher | undefined> {
    const d = await this.#readable();
    const { dims, metric, exactThreshold } = this.#settings;
    const index = this.#ctx.state(d.backend, 'vectors', () => new VectorIndex());
    // Created before the first refresh: it follows every change the refresh applies.
    const searcher = this.#ctx.state(d.backend, 'vectors-searcher', () => new VectorSearcher(index, this.#cacheBase(d)));
    const set = await index.refresh(d.backend, this.#domain, dims, metric);
    if (set === undefined) return undefined;
    await searcher.prepare(exactThreshold);
    return searcher;
  }

  /** Where the approximate index is saved: under dataDir for persistent adapters, nowhere for memory. */
  #cacheBase(d: OpenDomain): string | undefined {
    const adapter = this.#ctx.router.adapters.get(d.route.adapter);
    return adapter?.capabilities.persistent && !this.#ctx.pool.readOnly ? VectorSearcher.cacheBase(this.#ctx.pool.dataDir, d) : undefined;
  }

  #prepare(key: Key, vector: VectorInput, metadata: M | undefined): PreparedUpsert {
    const k = encodeKey(key);
    const v = toVector(vector, this.dims);
    return { key: k, record: encodeEntry(0, v, metadataText(metadata)) };
  }

  async #upsert(items: readonly PreparedUpsert[]): Promise<void> {
    const d = await this.#ctx.resolve(this.#domain);
    const max = d.options.maxValueBytes;
    for (const { record } of items) {
      if (record.byteLength > max)
        throw new StoreError('VALUE_TOO_LARGE', `a vector entry is ${record.byteLength} bytes; the domain allows ${max}`);
    }
    // Drawn before the transaction, which may run more than once; used only by the domain's first write.
    const epoch = randomBytes(8).toString('hex');
    await this.#write(d, (tx) => {
      const head = this.#head(tx) ?? { dims: this.dims, metric: this.metric, epoch, seq: 0, count: 0 };
      let seq = head.seq;
      let count = head.count;
      for (const { key, record } of items) {
        seq++;
        const ek = entryKey(key);
        const old = tx.get(ek);
        if (old !== undefined) tx.del(changeKey(entrySeq(old)));
        else {
          count++;
          const tk = tombKey(key);
          const tomb = tx.get(tk);
          if (tomb !== undefined) {
            tx.del(changeKey(decodeTomb(tomb)));
            tx.del(tk);
          }
        }
        // A later item with the same key replaces this one within the transaction, so copies are kept apart.
        const stamped = record.slice();
        stampEntry(stamped, seq);
        tx.put(ek, stamped);
        tx.put(changeKey(seq), key);
      }
      tx.put(HEAD_KEY, encodeHead({ ...head, seq, count }));
    });
  }

  /** The head read inside a write, checked against this handle's settings. */
  #head(tx: Tx): VectorsHead | undefined {
    const head = decodeHead(tx.get(HEAD_KEY));
    if (head !== undefined) assertSettings(this.#domain, head, this.dims, this.metric);
    return head;
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'vectors');
  }

  #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    return this.#ctx.write(d, 'vectors', fn);
  }
}

/** Fresh metadata for a caller (never the cached copy, which a caller could change). */
function parseMetadata<M>(text: string | undefined): M | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as M);
}

/** Whether metadata JSON text holds every field of `filter` with a deep-equal value. */
function metadataMatches(text: string | undefined, filter: Readonly<Record<string, Json>>): boolean {
  const fields = Object.keys(filter);
  if (fields.length === 0) return true;
  if (text === undefined) return false;
  const meta = JSON.parse(text) as Record<string, Json>;
  for (const field of fields) {
    if (!Object.hasOwn(meta, field) || !jsonEqual(meta[field], filter[field])) return false;
  }
  return true;
}

/** Whether an encoded key lies in a range made by `rangeToBytes`. */
function inRange(key: Uint8Array, range: ByteRange): boolean {
  if (range.gte && compareBytes(key, range.gte) < 0) return false;
  if (range.gt && compareBytes(key, range.gt) <= 0) return false;
  if (range.lt && compareBytes(key, range.lt) >= 0) return false;
  if (range.lte && compareBytes(key, range.lte) > 0) return false;
  return true;
}
