import type { ByteRange, Bytes, Tx } from '@agentstore/core/spi';
import { allocBytes } from '@agentstore/core/spi';
import type { Database } from 'lmdb';
import { toStoreError } from './errors.js';
import { inRange, lmdbRangeOf } from './range.js';

/** A binary-keyed, binary-valued lmdb database (one domain). */
export type BinaryDb = Database<Buffer, Buffer>;

/** Bytes as a Buffer sharing their memory (for Buffer methods: compare, toString). */
export function asBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Bytes as lmdb's binary key or value: lmdb copies them with `Uint8Array#set` (`writeBufferKey`, and
 * `instanceof Uint8Array` for values), so any Uint8Array will do. Wrapping it in a Buffer would cost
 * more than the read: it makes V8 move a small on-heap array's bytes off the heap.
 */
export function lmdbBytes(b: Bytes): Buffer {
  return b as Buffer;
}

/** The size of lmdb-js's shared get buffer as it opens (16 MiB); a larger value makes it grow. */
const SHARED_GET_BYTES = 16 * 1024 * 1024;

/**
 * The value under `key` (outside a transaction: in lmdb's cached read transaction), as bytes the
 * caller owns. lmdb's `getBinary` copies the value into a Buffer made through the `Buffer` species
 * (a backing store of its own, then a JS constructor); this copies it out of lmdb's shared get
 * buffer into pooled memory instead, which core's codecs copy again before a user sees anything.
 */
export function readValue(db: BinaryDb, key: Bytes): Bytes | undefined {
  const reads = db as unknown as FastReads;
  const fast = reads.getBinaryFast(lmdbBytes(key));
  if (fast === undefined) return undefined;
  const size = reads.lastSize;
  const out = allocBytes(size);
  out.set(new Uint8Array(fast.buffer, fast.byteOffset, size));
  // A value above 16 MiB made lmdb grow its shared buffer to twice its size, for good; `getBinary`
  // would have used a buffer of its own. Shrink it back rather than pin that memory.
  if (size > SHARED_GET_BYTES) reads._allocateGetBuffer?.(SHARED_GET_BYTES / 2);
  return out;
}

/** The part of lmdb-js's read API `readValue` uses beyond its type declarations. */
interface FastReads {
  /** The value in a buffer lmdb reuses for the next read; undefined when absent. */
  getBinaryFast(key: Buffer): Uint8Array | undefined;
  /** The size of the value the last read found. */
  readonly lastSize: number;
  /** lmdb-js internal (3.x): replaces the shared get buffer with one of max(2 × size, 4 KiB). */
  _allocateGetBuffer?(size: number): unknown;
}

/** Reads `range` from `db` (inside whatever transaction is current) as an array. */
export function readRange(db: BinaryDb, range: ByteRange, limit = range.limit): Array<[Buffer, Buffer]> {
  const options = lmdbRangeOf(range, limit);
  if (options === undefined) return [];
  const out: Array<[Buffer, Buffer]> = [];
  for (const { key, value } of db.getRange(options)) out.push([key, value]);
  return out;
}

/**
 * The `Tx` one transaction function sees: its own buffered writes over the state of the write
 * transaction it runs in (committed data plus the writes of the functions applied before it).
 * Nothing reaches lmdb until `apply()`, so a throwing function leaves no trace.
 *
 * Writes are logged in order and applied in order (the last write of a key wins, as in lmdb). The
 * index by key that reads need is built only when the function first reads: a write-only function
 * (`putMany`) pays nothing per entry besides the log.
 */
export class TxView implements Tx {
  readonly #db: BinaryDb;
  /** Every write in order; a null value is a delete. */
  readonly #log: Array<readonly [key: Bytes, value: Bytes | null]> = [];
  /** The latest write of each key by latin1 key, built on the first read and kept up to date after. */
  #index: Map<string, readonly [key: Bytes, value: Bytes | null]> | undefined;

  constructor(db: BinaryDb) {
    this.#db = db;
  }

  get(key: Bytes): Bytes | undefined {
    const pending = this.#log.length === 0 ? undefined : this.#writes().get(latin1(key));
    if (pending !== undefined) return pending[1] ?? undefined;
    try {
      return this.#db.getBinary(lmdbBytes(key));
    } catch (err) {
      throw toStoreError(err, 'read');
    }
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    const touched: Array<[Buffer, Bytes | null]> = [];
    if (this.#log.length > 0) {
      for (const [key, v] of this.#writes().values()) {
        const k = asBuffer(key);
        if (inRange(k, range)) touched.push([k, v]);
      }
    }
    // Each buffered key can hide at most one stored entry, so this many stored entries suffice.
    const limit = range.limit === undefined || touched.length === 0 ? range.limit : range.limit + touched.length;
    let stored: Array<[Buffer, Buffer]>;
    try {
      stored = readRange(this.#db, range, limit);
    } catch (err) {
      throw toStoreError(err, 'range read');
    }
    if (touched.length === 0) return stored;
    const merged = new Map<string, Bytes>();
    for (const [k, v] of stored) merged.set(k.toString('latin1'), v);
    for (const [k, v] of touched) {
      const id = k.toString('latin1');
      if (v === null) merged.delete(id);
      else merged.set(id, v);
    }
    const ids = [...merged.keys()].sort();
    if (range.reverse) ids.reverse();
    const kept = range.limit === undefined ? ids : ids.slice(0, range.limit);
    return kept.map((id) => [Buffer.from(id, 'latin1'), merged.get(id) as Bytes]);
  }

  // The SPI hands the backend ownership of the bytes it is given, so they are kept, not copied.
  put(key: Bytes, value: Bytes): void {
    this.#record(key, value);
  }

  del(key: Bytes): void {
    this.#record(key, null);
  }

  /** Writes the buffered changes into the current lmdb write transaction. */
  apply(): void {
    for (const [key, v] of this.#log) {
      if (v === null) this.#db.removeSync(lmdbBytes(key));
      else this.#db.putSync(lmdbBytes(key), lmdbBytes(v));
    }
  }

  #record(key: Bytes, value: Bytes | null): void {
    const write = [key, value] as const;
    this.#log.push(write);
    this.#index?.set(latin1(key), write);
  }

  #writes(): Map<string, readonly [key: Bytes, value: Bytes | null]> {
    if (this.#index === undefined) {
      this.#index = new Map();
      for (const write of this.#log) this.#index.set(latin1(write[0]), write);
    }
    return this.#index;
  }
}

/** A Map key for bytes (latin1 maps each byte to one UTF-16 unit, so it is exact). */
function latin1(key: Bytes): string {
  return asBuffer(key).toString('latin1');
}
