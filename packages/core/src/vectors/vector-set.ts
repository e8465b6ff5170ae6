import { byteId } from '../spi/bounds.js';
import type { VectorMetric } from './types.js';

/** One entry as a search candidate: its slot and score. */
export interface Scored {
  readonly slot: number;
  readonly score: number;
}

/** True when `a` ranks before `b`: higher score first, except for l2 (smaller distance first). */
export type Better = (a: number, b: number) => boolean;

/** The ranking of a metric's scores. */
export const betterFor = (metric: VectorMetric): Better => (metric === 'l2' ? (a, b) => a < b : (a, b) => a > b);

/**
 * Every live entry of a domain in this process's memory: vectors in one growing Float32Array (one
 * row per slot), with the encoded key, seq and metadata text of each slot. A delete moves the last
 * row into the freed slot, so rows stay dense and an exact search is one pass over the matrix.
 */
export class VectorSet {
  readonly dims: number;
  readonly metric: VectorMetric;
  #rows = new Float32Array(0);
  /** 1 / |v| per slot for cosine (0 for a zero vector, whose cosine is 0), else unused. */
  #inverseNorms = new Float64Array(0);
  readonly #keys: Uint8Array[] = [];
  readonly #seqs: number[] = [];
  readonly #metadata: Array<string | undefined> = [];
  readonly #slotOfKey = new Map<string, number>();
  readonly #slotOfSeq = new Map<number, number>();

  constructor(dims: number, metric: VectorMetric) {
    this.dims = dims;
    this.metric = metric;
  }

  /** Number of live entries. */
  get size(): number {
    return this.#keys.length;
  }

  /** Inserts or replaces the entry of `key`; returns the seq it replaced, if any. */
  set(key: Uint8Array, seq: number, vector: Float32Array, metadata: string | undefined): number | undefined {
    const id = byteId(key);
    let slot = this.#slotOfKey.get(id);
    let replaced: number | undefined;
    if (slot === undefined) {
      slot = this.#keys.length;
      this.#grow(slot + 1);
      this.#slotOfKey.set(id, slot);
      this.#keys.push(key);
      this.#seqs.push(seq);
      this.#metadata.push(metadata);
    } else {
      replaced = this.#seqs[slot] as number;
      this.#slotOfSeq.delete(replaced);
      this.#seqs[slot] = seq;
      this.#metadata[slot] = metadata;
    }
    this.#slotOfSeq.set(seq, slot);
    this.#rows.set(vector, slot * this.dims);
    if (this.metric === 'cosine') {
      let n = 0;
      for (let i = 0; i < vector.length; i++) n += (vector[i] as number) * (vector[i] as number);
      this.#inverseNorms[slot] = n === 0 ? 0 : 1 / Math.sqrt(n);
    }
    return replaced;
  }

  /** Removes the entry of `key`; returns its seq, or undefined when absent. */
  delete(key: Uint8Array): number | undefined {
    const id = byteId(key);
    const slot = this.#slotOfKey.get(id);
    if (slot === undefined) return undefined;
    const seq = this.#seqs[slot] as number;
    this.#slotOfKey.delete(id);
    this.#slotOfSeq.delete(seq);
    const last = this.#keys.length - 1;
    if (slot !== last) {
      const lastKey = this.#keys[last] as Uint8Array;
      this.#keys[slot] = lastKey;
      this.#seqs[slot] = this.#seqs[last] as number;
      this.#metadata[slot] = this.#metadata[last];
      this.#rows.copyWithin(slot * this.dims, last * this.dims, (last + 1) * this.dims);
      this.#inverseNorms[slot] = this.#inverseNorms[last] as number;
      this.#slotOfKey.set(byteId(lastKey), slot);
      this.#slotOfSeq.set(this.#seqs[slot] as number, slot);
    }
    this.#keys.pop();
    this.#seqs.pop();
    this.#metadata.pop();
    return seq;
  }

  /** The seq of `key`'s entry, or undefined. */
  seqOf(key: Uint8Array): number | undefined {
    const slot = this.#slotOfKey.get(byteId(key));
    return slot === undefined ? undefined : this.#seqs[slot];
  }

  /** The slot holding the entry of `seq` (the label of the approximate index), or undefined when it is gone. */
  slotOfSeq(seq: number): number | undefined {
    return this.#slotOfSeq.get(seq);
  }

  /** Every live seq. */
  seqs(): IterableIterator<number> {
    return this.#slotOfSeq.keys();
  }

  /** The encoded key of a slot. */
  keyAt(slot: number): Uint8Array {
    return this.#keys[slot] as Uint8Array;
  }

  /** The seq of a slot. */
  seqAt(slot: number): number {
    return this.#seqs[slot] as number;
  }

  /** The metadata JSON text of a slot. */
  metadataAt(slot: number): string | undefined {
    return this.#metadata[slot];
  }

  /** A view of every row, slot order (valid until the next write to the set). */
  rows(): Float32Array {
    return this.#rows.subarray(0, this.#keys.length * this.dims);
  }

  /** A view of a slot's vector (valid until the next write to the set). */
  vectorAt(slot: number): Float32Array {
    return this.#rows.subarray(slot * this.dims, (slot + 1) * this.dims);
  }

  /** The metric's score of `query` against slot `slot`; `queryScale` is 1/|query| for cosine. */
  score(query: Float32Array, slot: number, queryScale: number): number {
    const rows = this.#rows;
    const dims = this.dims;
    const at = slot * dims;
    let sum = 0;
    if (this.metric === 'l2') {
      for (let i = 0; i < dims; i++) {
        const d = (query[i] as number) - (rows[at + i] as number);
        sum += d * d;
      }
      return Math.sqrt(sum);
    }
    // Four accumulators: V8 keeps them in registers and the loop runs about twice as fast.
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (const end = dims - 3; i < end; i += 4) {
      sum += (query[i] as number) * (rows[at + i] as number);
      s1 += (query[i + 1] as number) * (rows[at + i + 1] as number);
      s2 += (query[i + 2] as number) * (rows[at + i + 2] as number);
      s3 += (query[i + 3] as number) * (rows[at + i + 3] as number);
    }
    for (; i < dims; i++) sum += (query[i] as number) * (rows[at + i] as number);
    sum += s1 + s2 + s3;
    return this.metric === 'cosine' ? sum * queryScale * (this.#inverseNorms[slot] as number) : sum;
  }

  /** 1/|query| for cosine (0 for a zero query), else 1. */
  queryScale(query: Float32Array): number {
    if (this.metric !== 'cosine') return 1;
    let n = 0;
    for (let i = 0; i < query.length; i++) n += (query[i] as number) * (query[i] as number);
    return n === 0 ? 0 : 1 / Math.sqrt(n);
  }

  /** The `k` best slots accepted by `accept`, best first (ties: smaller key first), scanning every slot. */
  exact(query: Float32Array, k: number, accept: ((slot: number) => boolean) | undefined): Scored[] {
    const better = betterFor(this.metric);
    const scale = this.queryScale(query);
    const top = new TopK(k, better, (a, b) => Buffer.compare(this.#keys[a] as Uint8Array, this.#keys[b] as Uint8Array) < 0);
    if (k === 0) return [];
    for (let slot = 0; slot < this.#keys.length; slot++) {
      if (accept && !accept(slot)) continue;
      top.offer(slot, this.score(query, slot, scale));
    }
    return top.sorted();
  }

  #grow(rows: number): void {
    if (rows * this.dims <= this.#rows.length) return;
    const capacity = Math.max(rows, Math.ceil((this.#rows.length / this.dims) * 1.5), 64);
    const next = new Float32Array(capacity * this.dims);
    next.set(this.#rows);
    this.#rows = next;
    const norms = new Float64Array(capacity);
    norms.set(this.#inverseNorms);
    this.#inverseNorms = norms;
  }
}

/**
 * The best `k` of a stream of scored slots: a binary heap whose root is the worst kept, so each
 * offer that does not make the cut costs one comparison.
 */
export class TopK {
  readonly #k: number;
  readonly #better: Better;
  readonly #keyFirst: (a: number, b: number) => boolean;
  readonly #heap: Scored[] = [];

  constructor(k: number, better: Better, keyFirst: (a: number, b: number) => boolean) {
    this.#k = k;
    this.#better = better;
    this.#keyFirst = keyFirst;
  }

  /** Ranks `a` before `b`: better score, then smaller key. */
  #before(a: Scored, b: Scored): boolean {
    return a.score === b.score ? this.#keyFirst(a.slot, b.slot) : this.#better(a.score, b.score);
  }

  /** Offers one candidate. */
  offer(slot: number, score: number): void {
    const heap = this.#heap;
    if (this.#k === 0) return;
    if (heap.length < this.#k) {
      heap.push({ slot, score });
      this.#up(heap.length - 1);
      return;
    }
    const worst = heap[0] as Scored;
    if (!(this.#better(score, worst.score) || (score === worst.score && this.#keyFirst(slot, worst.slot)))) return;
    heap[0] = { slot, score };
    this.#down(0);
  }

  /** The kept candidates, best first. */
  sorted(): Scored[] {
    return [...this.#heap].sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
  }

  // The heap keeps the worst at the root: parent is "not before" its children.
  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[parent] as Scored, heap[i] as Scored)) return;
      [heap[parent], heap[i]] = [heap[i] as Scored, heap[parent] as Scored];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && this.#before(heap[worst] as Scored, heap[l] as Scored)) worst = l;
      if (r < heap.length && this.#before(heap[worst] as Scored, heap[r] as Scored)) worst = r;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i] as Scored, heap[worst] as Scored];
      i = worst;
    }
  }
}
