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
  /** Buffered writes by latin1 key (which sorts like the bytes); null is a delete. */
  readonly #writes = new Map<string, Buffer | null>();

  constructor(db: BinaryDb) {
    this.#db = db;
  }

  get(key: Bytes): Bytes | undefined {
    const pending = this.#writes.get(asBuffer(key).toString('latin1'));
    if (pending !== undefined) return pending === null ? undefined : Buffer.from(pending);
    try {
      return this.#db.getBinary(asBuffer(key));
    } catch (err) {
      throw toStoreError(err, 'read');
    }
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    const touched: Array<[Buffer, Buffer | null]> = [];
    for (const [k, v] of this.#writes) {
      const key = Buffer.from(k, 'latin1');
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
      else merged.set(id, Buffer.from(v));
    }
    const ids = [...merged.keys()].sort();
    if (range.reverse) ids.reverse();
    const kept = range.limit === undefined ? ids : ids.slice(0, range.limit);
    return kept.map((id) => [Buffer.from(id, 'latin1'), merged.get(id) as Buffer]);
  }

  put(key: Bytes, value: Bytes): void {
    this.#writes.set(asBuffer(key).toString('latin1'), Buffer.from(value));
  }

  del(key: Bytes): void {
    this.#writes.set(asBuffer(key).toString('latin1'), null);
  }

  /** Writes the buffered changes into the current lmdb write transaction. */
  apply(): void {
    for (const [k, v] of this.#writes) {
      const key = Buffer.from(k, 'latin1');
      if (v === null) this.#db.removeSync(key);
      else this.#db.putSync(key, v);
    }
  }
}
