import { type NativeIndex, type NativeModule, newNativeIndex } from './native-hnsw.js';
import { betterFor, type Scored, TopK, type VectorSet } from './vector-set.js';

/** Entries written after a read-only (memory-mapped) base before the base is loaded for writing. */
const DELTA_MAX = 2_000;

/**
 * The approximate index of one domain in this process: a native HNSW graph labelled by entry seq
 * (unique per write), plus `delta`, the seqs written since a memory-mapped base that cannot take
 * writes, searched exactly. Labels of replaced or deleted entries may linger in a mapped base: a
 * candidate counts only while the set still holds its seq, and every score is recomputed exactly
 * from the set, so the index only ever proposes candidates.
 */
export class HnswIndex {
  readonly #nativeModule: NativeModule;
  #native: NativeIndex;
  /** False while `#native` is a read-only view of a file. */
  #mutable: boolean;
  /** The file `#native` views (to load it for writing later). */
  #viewed: string | undefined;
  readonly #delta = new Set<number>();
  /** Labels in the graph whose entries are gone (searches fetch this many more). */
  #stale = 0;
  /** Changed since it was last saved. */
  dirty = false;

  private constructor(nativeModule: NativeModule, native: NativeIndex, mutable: boolean, viewed: string | undefined) {
    this.#nativeModule = nativeModule;
    this.#native = native;
    this.#mutable = mutable;
    this.#viewed = viewed;
  }

  /** Builds the graph of every entry of `set` (all cores; the caller waits). */
  static build(nativeModule: NativeModule, set: VectorSet): HnswIndex {
    const native = newNativeIndex(nativeModule, set.dims, set.metric);
    if (set.size > 0) {
      const labels = new BigUint64Array(set.size);
      for (let slot = 0; slot < set.size; slot++) labels[slot] = BigInt(set.seqAt(slot));
      native.add(labels, set.rows(), 0);
    }
    const index = new HnswIndex(nativeModule, native, true, undefined);
    index.dirty = true;
    return index;
  }

  /**
   * Maps a saved graph of version `version` (no copy: the OS pages it in) and queues every entry of
   * `set` written after it; undefined when the file does not match the set's settings.
   */
  static view(nativeModule: NativeModule, file: string, version: number, set: VectorSet): HnswIndex | undefined {
    const native = newNativeIndex(nativeModule, set.dims, set.metric);
    native.view(file);
    if (native.dimensions() !== set.dims) return undefined;
    const index = new HnswIndex(nativeModule, native, false, file);
    for (const seq of set.seqs()) if (seq > version) index.#delta.add(seq);
    // Whatever the graph holds beyond the live entries it still has is stale.
    index.#stale = Math.max(0, native.size() - (set.size - index.#delta.size));
    return index;
  }

  /** Entries in the graph plus those queued. */
  get size(): number {
    return this.#native.size() + this.#delta.size;
  }

  /** Follows a write of the set: slot `slot` now holds seq `seq`, replacing seq `replaced`. */
  upserted(set: VectorSet, slot: number, seq: number, replaced: number | undefined): void {
    this.dirty = true;
    if (replaced !== undefined) this.#forget(replaced);
    // A rebuild from the set already holds this entry.
    if (!this.#mutable && this.#delta.size >= DELTA_MAX && this.#loadForWriting(set)) return;
    if (this.#mutable) this.#native.add(BigInt(seq), set.vectorAt(slot), 1);
    else this.#delta.add(seq);
  }

  /** Follows a delete of the set. */
  deleted(seq: number): void {
    this.#forget(seq);
    this.dirty = true;
  }

  /** The `k` best live slots accepted by `accept`, best first, scored exactly; undefined when a filter is too selective for the graph. */
  search(set: VectorSet, query: Float32Array, k: number, accept: ((slot: number) => boolean) | undefined): Scored[] | undefined {
    const scale = set.queryScale(query);
    const top = new TopK(k, betterFor(set.metric), (a, b) => Buffer.compare(set.keyAt(a), set.keyAt(b)) < 0);
    const seen = new Set<number>();
    let accepted = 0;
    const offer = (seq: number): void => {
      const slot = set.slotOfSeq(seq);
      if (slot === undefined || seen.has(slot)) return;
      seen.add(slot);
      if (accept && !accept(slot)) return;
      accepted++;
      top.offer(slot, set.score(query, slot, scale));
    };
    for (const seq of this.#delta) {
      if (set.slotOfSeq(seq) === undefined) this.#delta.delete(seq);
      else offer(seq);
    }
    const total = this.#native.size();
    // Asking for an eighth of the graph or more: one exact pass is as cheap, and a graph search for that
    // many candidates may return fewer than asked (it walks the graph, it does not list it).
    if (k * 8 >= total) return undefined;
    let fetch = Math.min(total, (accept ? 4 * k : k) + this.#stale + 8);
    for (;;) {
      if (fetch > 0) {
        const { keys } = this.#native.search(query, fetch, 1);
        for (const label of keys) offer(Number(label));
      }
      if (accepted >= k) return top.sorted();
      if (fetch >= total) return undefined; // the whole graph asked for and still short of k: go exact
      // A selective filter: past an eighth of the graph, one exact pass is cheaper and exact.
      if (fetch * 4 > total / 8) return undefined;
      fetch *= 4;
    }
  }

  /** The native graph, for saving. */
  get native(): NativeIndex {
    return this.#native;
  }

  #forget(seq: number): void {
    if (this.#delta.delete(seq)) return;
    if (this.#mutable) this.#native.remove(BigInt(seq));
    else this.#stale++;
  }

  /**
   * Replaces the read-only view by a writable copy of the same file, then adds the queued entries.
   * When the file is gone (another process saved a newer one and removed it), builds the graph anew.
   */
  #loadForWriting(set: VectorSet): boolean {
    let native = newNativeIndex(this.#nativeModule, set.dims, set.metric);
    let rebuilt = false;
    try {
      native.load(this.#viewed as string);
      for (const seq of this.#delta) {
        const slot = set.slotOfSeq(seq);
        if (slot !== undefined) native.add(BigInt(seq), set.vectorAt(slot), 1);
      }
    } catch {
      native = HnswIndex.build(this.#nativeModule, set).#native;
      this.#stale = 0;
      rebuilt = true;
    }
    this.#native = native;
    this.#mutable = true;
    this.#viewed = undefined;
    this.#delta.clear();
    return rebuilt;
  }
}
