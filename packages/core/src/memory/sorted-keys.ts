import type { ByteRange } from '../spi/backend.js';
import { byteId } from '../spi/bounds.js';

// Keys are latin1 strings (`byteId`): comparing such strings compares their bytes unsigned, shorter
// prefix first, which is exactly the byte order backends must keep.

// Chunks of at most this many keys: inserts and deletes move at most one chunk, not the whole list.
const MAX_CHUNK = 1024;

/** A position in the chunked list: chunk index and offset inside it. */
type Position = [chunk: number, offset: number];

/** First index in sorted `keys` whose key is >= `key` (or > `key` when `strict`). */
function lowerBound(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid] as string;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A sorted list of latin1 keys kept in chunks, so a write costs O(√n) at worst instead of O(n). */
export class SortedKeys {
  #chunks: string[][] = [];

  /** Inserts a key that is not in the list. */
  insert(key: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      return;
    }
    const c = Math.min(this.#chunkFor(key, false), this.#chunks.length - 1);
    const chunk = this.#chunks[c] as string[];
    chunk.splice(lowerBound(chunk, key, false), 0, key);
    if (chunk.length > MAX_CHUNK) this.#chunks.splice(c + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Removes a key that is in the list. */
  remove(key: string): void {
    const c = this.#chunkFor(key, false);
    const chunk = this.#chunks[c];
    if (!chunk) return;
    const at = lowerBound(chunk, key, false);
    if (chunk[at] !== key) return;
    chunk.splice(at, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
  }

  /** Removes every key. */
  clear(): void {
    this.#chunks = [];
  }

  /** Keys inside `range`, in its order, at most `range.limit` of them. */
  *keys(range: ByteRange): Generator<string> {
    const [start, end] = this.#window(range);
    let left = range.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    if (range.reverse) {
      for (let c = end[0]; c >= start[0]; c--) {
        const chunk = this.#chunks[c] as string[];
        const from = c === end[0] ? end[1] - 1 : chunk.length - 1;
        const to = c === start[0] ? start[1] : 0;
        for (let i = from; i >= to; i--) {
          yield chunk[i] as string;
          if (--left === 0) return;
        }
      }
      return;
    }
    for (let c = start[0]; c <= end[0]; c++) {
      const chunk = this.#chunks[c] as string[];
      const from = c === start[0] ? start[1] : 0;
      const to = c === end[0] ? end[1] : chunk.length;
      for (let i = from; i < to; i++) {
        yield chunk[i] as string;
        if (--left === 0) return;
      }
    }
  }

  /** Number of keys inside `range` (limit honoured). */
  count(range: ByteRange): number {
    const [start, end] = this.#window(range);
    let total = 0;
    for (let c = start[0]; c <= end[0] && c < this.#chunks.length; c++) {
      const length = (this.#chunks[c] as string[]).length;
      total += (c === end[0] ? end[1] : length) - (c === start[0] ? start[1] : 0);
    }
    return Math.max(0, Math.min(total, range.limit ?? total));
  }

  /** Index of the first chunk whose last key is >= `key` (> when strict); the chunk count if none. */
  #chunkFor(key: string, strict: boolean): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.#chunks[mid] as string[];
      const last = chunk[chunk.length - 1] as string;
      if (last < key || (strict && last === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The position of the first key >= `key` (> when strict). */
  #position(key: string, strict: boolean): Position {
    const c = this.#chunkFor(key, strict);
    const chunk = this.#chunks[c];
    return chunk ? [c, lowerBound(chunk, key, strict)] : this.#endPosition();
  }

  #endPosition(): Position {
    const last = this.#chunks.length - 1;
    return last < 0 ? [0, 0] : [last, (this.#chunks[last] as string[]).length];
  }

  /** Start (inclusive) and end (exclusive) positions of `range`; an empty window when they cross. */
  #window(range: ByteRange): [Position, Position] {
    let start: Position = [0, 0];
    let end = this.#endPosition();
    const later = (a: Position, b: Position) => (a[0] === b[0] ? a[1] > b[1] : a[0] > b[0]);
    if (range.gte) start = this.#position(byteId(range.gte), false);
    if (range.gt) {
      const p = this.#position(byteId(range.gt), true);
      if (later(p, start)) start = p;
    }
    if (range.lt) {
      const p = this.#position(byteId(range.lt), false);
      if (later(end, p)) end = p;
    }
    if (range.lte) {
      const p = this.#position(byteId(range.lte), true);
      if (later(end, p)) end = p;
    }
    return later(start, end) ? [start, start] : [start, end];
  }
}
