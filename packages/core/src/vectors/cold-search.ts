import type { GatedBackend } from '../runtime/gated-backend.js';
import type { ByteRange, DomainBackend } from '../spi/backend.js';
import { HnswCache } from './hnsw-cache.js';
import { type NativeIndex, type NativeModule, newNativeIndex } from './native-hnsw.js';
import { type Scored, VectorSet } from './vector-set.js';
import { CHANGE_RANGE, changeKey, changeSeq, changesAfter, decodeEntry, entryKey, entrySeq, type VectorsHead } from './vectors-layout.js';

/** Entries written after the saved graph that are searched on the side before the full copy is loaded instead. */
const DELTA_MAX = 2_000;
/** Change records read per page when catching up. */
const CHANGE_PAGE = 1_000;

/**
 * How far below the k-th exact cosine a candidate's approximate one (float32) may lie and still be
 * read: far above float32 rounding over 65,536 dimensions of unit vectors, far below typical gaps.
 */
const COSINE_SLACK = 1e-3;
/** Change records read per page at open. */
const KEY_PAGE = 5_000;

/**
 * The encoded key of every change record up to `version` (each live entry's seq, plus deletes), in
 * pages read synchronously where the adapter can (a fifth of the time of reading them one by one).
 */
async function readKeys(backend: GatedBackend, version: number): Promise<Map<number, Uint8Array>> {
  const keyOfSeq = new Map<number, Uint8Array>();
  const upper = changeKey(version);
  let bounds: ByteRange = { gte: CHANGE_RANGE.gte, lte: upper };
  for (;;) {
    const page: ByteRange = { ...bounds, limit: KEY_PAGE };
    let rows: Array<[Uint8Array, Uint8Array]>;
    if (backend.readsSync) rows = backend.readSync((reader) => reader.range(page));
    else {
      rows = [];
      for await (const row of backend.range(page)) rows.push(row);
    }
    for (const [key, value] of rows) keyOfSeq.set(changeSeq(key), value);
    const last = rows.at(-1);
    if (rows.length < KEY_PAGE || last === undefined) return keyOfSeq;
    bounds = { gt: last[0], lte: upper };
  }
}

/** What a cold search found: the best slots of `set`, a small set of the entries it read. */
export interface ColdResult {
  readonly set: VectorSet;
  readonly hits: Scored[];
}

/**
 * Searches a large domain right after open without loading it: the saved graph (memory-mapped)
 * proposes candidates by label (entry seq), and only their entries are read (batched point reads):
 * the key of each label comes from the change records (one small record per live entry, read once
 * at open: far less than the entries); a label missing there, or whose entry is gone, was replaced or
 * deleted since. Entries written after the graph's seq are kept here, from the change records, and
 * searched exactly beside it, as the loaded path does. Scores are exact (float64 over the stored
 * floats) and ties go by key, so the answers are those of the loaded path with the same graph.
 */
export class ColdSearcher {
  readonly epoch: string;
  readonly #native: NativeIndex;
  /** The seq the graph reflects. */
  readonly #version: number;
  /** Live entries written after `#version`, as of `#seen`. */
  readonly #delta: VectorSet;
  /** The encoded key of each label the graph may hold (change records up to `#version`, as of open). */
  readonly #keyOfSeq: Map<number, Uint8Array>;
  #seen: number;
  #running: Promise<unknown> = Promise.resolve();

  private constructor(native: NativeIndex, epoch: string, version: number, delta: VectorSet, keyOfSeq: Map<number, Uint8Array>) {
    this.#native = native;
    this.#keyOfSeq = keyOfSeq;
    this.epoch = epoch;
    this.#version = version;
    this.#seen = version;
    this.#delta = delta;
  }

  /** Maps the newest saved graph of `head`'s epoch; undefined when there is none or it does not fit. */
  static async open(
    nativeModule: NativeModule,
    cacheBase: string,
    head: VectorsHead,
    backend: GatedBackend,
  ): Promise<ColdSearcher | undefined> {
    const saved = new HnswCache(cacheBase).find(head.epoch, head.seq);
    if (saved === undefined) return undefined;
    let native: NativeIndex;
    try {
      native = newNativeIndex(nativeModule, head.dims, head.metric);
      native.view(saved.file);
      if (native.dimensions() !== head.dims) return undefined;
    } catch {
      return undefined; // a damaged or foreign file: the loaded path builds one
    }
    const keyOfSeq = await readKeys(backend, saved.version);
    return new ColdSearcher(native, head.epoch, saved.version, new VectorSet(head.dims, head.metric), keyOfSeq);
  }

  /**
   * The `k` best entries accepted by `accept` as of `head` (read by the caller after the call began);
   * undefined when the full copy is needed instead: too many writes since the graph, or a filter too
   * selective for it. Searches run one at a time (each catches up the shared side set first).
   */
  search(
    backend: DomainBackend,
    head: VectorsHead,
    query: Float32Array,
    k: number,
    accept: ((set: VectorSet, slot: number) => boolean) | undefined,
  ): Promise<ColdResult | undefined> {
    const run = this.#running.then(() => this.#search(backend, head, query, k, accept));
    this.#running = run.catch(() => undefined);
    return run;
  }

  async #search(
    backend: DomainBackend,
    head: VectorsHead,
    query: Float32Array,
    k: number,
    accept: ((set: VectorSet, slot: number) => boolean) | undefined,
  ): Promise<ColdResult | undefined> {
    if (!(await this.#catchUp(backend, head))) return undefined;
    const delta = this.#delta;
    const found = new VectorSet(head.dims, head.metric);
    const ok = accept === undefined ? undefined : (slot: number): boolean => accept(found, slot);
    let accepted = 0;
    const add = (key: Uint8Array, seq: number, vector: Float32Array, metadata: string | undefined): void => {
      found.set(key, seq, vector, metadata);
      if (!ok || ok(found.size - 1)) accepted++;
    };
    for (let slot = 0; slot < delta.size; slot++) add(delta.keyAt(slot), delta.seqAt(slot), delta.vectorAt(slot), delta.metadataAt(slot));
    const total = this.#native.size();
    if (k * 8 >= total) return undefined; // an eighth of the graph or more: the loaded path's exact pass
    // Labels whose entries are gone since the graph was saved: fetch this many more.
    const stale = Math.max(0, total - (head.count - delta.size));
    const tried = new Set<number>();
    let fetch = Math.min(total, (accept ? 4 * k : k) + stale + 8);
    for (;;) {
      if (fetch > 0) {
        const matches = this.#native.search(query, fetch, 1);
        const keys: Uint8Array[] = [];
        const approx: number[] = [];
        matches.keys.forEach((label, i) => {
          const seq = Number(label);
          const key = tried.has(seq) ? undefined : this.#keyOfSeq.get(seq);
          tried.add(seq);
          if (key === undefined) return; // seen already, or replaced or deleted before this searcher opened
          keys.push(key);
          approx.push(1 - (matches.distances[i] as number));
        });
        // Cosine without a filter (the graph's distance is 1 − cosine, to float32 precision): read the
        // first k, then only the candidates whose approximate score could still reach the k-th exact one.
        const first = ok === undefined && head.metric === 'cosine' ? Math.min(k, keys.length) : keys.length;
        await this.#read(backend, head.dims, keys.slice(0, first), found, add);
        if (first < keys.length) {
          const best = found.exact(query, k, undefined);
          const kth = best.length === k ? (best[k - 1] as Scored).score : Number.NEGATIVE_INFINITY;
          const rest = keys.slice(first).filter((_, i) => !((approx[first + i] as number) < kth - COSINE_SLACK));
          await this.#read(backend, head.dims, rest, found, add);
        }
      }
      if (accepted >= k) return { set: found, hits: found.exact(query, k, ok) };
      if (fetch >= total) return undefined; // the whole graph asked for and still short of k: the loaded path answers
      // A selective filter: past an eighth of the graph, one exact pass over the loaded copy is cheaper.
      if (fetch * 4 > total / 8) return undefined;
      fetch *= 4;
    }
  }

  /** Reads the entries of `keys` into `found` through `add`, skipping those gone or held already. */
  async #read(
    backend: DomainBackend,
    dims: number,
    keys: readonly Uint8Array[],
    found: VectorSet,
    add: (key: Uint8Array, seq: number, vector: Float32Array, metadata: string | undefined) => void,
  ): Promise<void> {
    if (keys.length === 0) return;
    const entries = await backend.getMany(keys.map(entryKey));
    entries.forEach((bytes, i) => {
      const key = keys[i] as Uint8Array;
      // Absent: deleted since. Already held: rewritten after the graph, and the side set has it.
      // Rewritten after the graph yet not in the side set: written after this search read the head.
      if (bytes === undefined || found.seqOf(key) !== undefined) return;
      const entry = decodeEntry(bytes, dims);
      add(key.slice(), entry.seq, entry.vector, entry.metadata);
    });
  }

  /** Applies the change records after what the side set has seen; false when too many piled up. */
  async #catchUp(backend: DomainBackend, head: VectorsHead): Promise<boolean> {
    const delta = this.#delta;
    while (this.#seen < head.seq) {
      const changes: Array<[number, Uint8Array]> = [];
      for await (const [key, value] of backend.range(changesAfter(this.#seen, CHANGE_PAGE))) changes.push([changeSeq(key), value]);
      if (changes.length === 0) break;
      const entries = await backend.getMany(changes.map(([, userKey]) => entryKey(userKey)));
      changes.forEach(([seq, userKey], i) => {
        const bytes = entries[i];
        if (bytes === undefined) delta.delete(userKey);
        // Otherwise a later write replaced it, and a later change record covers that one.
        else if (entrySeq(bytes) === seq) {
          const entry = decodeEntry(bytes, head.dims);
          delta.set(userKey.slice(), seq, entry.vector, entry.metadata);
        }
      });
      this.#seen = (changes[changes.length - 1] as [number, Uint8Array])[0];
      if (delta.size > DELTA_MAX) return false;
      if (changes.length < CHANGE_PAGE) break;
    }
    return true;
  }
}
