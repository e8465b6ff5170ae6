import type { ByteRange, Bytes, Tx } from '@agentstore/core';
import type { Database } from 'lmdb';
import { toStoreError } from './errors.js';
import { inRange, isEmptyRange, toLmdbRange } from './range.js';

/** A binary-keyed, binary-valued lmdb database (one domain). */
export type BinaryDb = Database<Buffer, Buffer>;

/** Bytes as a Buffer sharing their memory (lmdb takes Buffers for binary keys). */
export function asBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads `range` from `db` (inside whatever transaction is current) as an array. */
export function readRange(db: BinaryDb, range: ByteRange, limit = range.limit): Array<[Buffer, Buffer]> {
  if (isEmptyRange(range)) return [];
  const out: Array<[Buffer, Buffer]> = [];
  for (const { key, value } of db.getRange(toLmdbRange(range, limit))) out.push([key, value]);
  return out;
}

/**
 * The `Tx` one transaction function sees: its own buffered writes over the state of the write
 * transaction it runs in (committed data plus the writes of the functions applied before it).
 * Nothing reaches lmdb until `apply()`, so a throwing function leaves no trace.
 */
export class TxView implements Tx {
  readonly #db: BinaryDb;
  /** Buffered writes by latin1 key, with the key's bytes kept so `apply` need not rebuild them; null is a delete. */
  readonly #writes = new Map<string, readonly [key: Buffer, value: Buffer | null]>();

  constructor(db: BinaryDb) {
    this.#db = db;
  }

  get(key: Bytes): Bytes | undefined {
    const pending = this.#writes.get(asBuffer(key).toString('latin1'));
    if (pending !== undefined) return pending[1] ?? undefined;
    try {
      return this.#db.getBinary(asBuffer(key));
    } catch (err) {
      throw toStoreError(err, 'read');
    }
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    const touched: Array<[Buffer, Buffer | null]> = [];
    for (const [key, v] of this.#writes.values()) {
      if (inRange(key, range)) touched.push([key, v]);
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
    const merged = new Map<string, Buffer>();
    for (const [k, v] of stored) merged.set(k.toString('latin1'), v);
    for (const [k, v] of touched) {
      const id = k.toString('latin1');
      if (v === null) merged.delete(id);
      else merged.set(id, v);
    }
    const ids = [...merged.keys()].sort();
    if (range.reverse) ids.reverse();
    const kept = range.limit === undefined ? ids : ids.slice(0, range.limit);
    return kept.map((id) => [Buffer.from(id, 'latin1'), merged.get(id) as Buffer]);
  }

  // The SPI hands the backend ownership of the bytes it is given, so they are kept, not copied.
  put(key: Bytes, value: Bytes): void {
    const k = asBuffer(key);
    this.#writes.set(k.toString('latin1'), [k, asBuffer(value)]);
  }

  del(key: Bytes): void {
    const k = asBuffer(key);
    this.#writes.set(k.toString('latin1'), [k, null]);
  }

  /** Writes the buffered changes into the current lmdb write transaction. */
  apply(): void {
    for (const [key, v] of this.#writes.values()) {
      if (v === null) this.#db.removeSync(key);
      else this.#db.putSync(key, v);
    }
  }
}
