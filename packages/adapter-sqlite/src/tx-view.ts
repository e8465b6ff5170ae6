import { type ByteRange, type Bytes, compareKeys, inBounds, StoreError, type Tx, toBounds } from '@agentstore/core/spi';
import type { DomainTable } from './domain-table.js';
import { sqliteCode, translateError } from './errors.js';
import type { TableStatements } from './statements.js';

/** One buffered write. */
export interface BufferedWrite {
  readonly key: Bytes;
  /** undefined: a delete. */
  readonly value: Bytes | undefined;
}

/** A map key for bytes: latin1 maps each byte to one UTF-16 unit, so it is exact and cheap. */
function idOf(key: Bytes): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/**
 * The `Tx` a transaction function sees: reads go to the table (inside the group's write
 * transaction, so they see the group's earlier commits) overlaid with this function's buffered
 * writes; writes are buffered and applied by `apply()` only once the function has returned.
 * Writes are kept in call order (applying them in order leaves the last one per key); the index by
 * key that reads need is built only when a read follows a write, so a put-only batch never pays it.
 */
export class TxView implements Tx {
  readonly #table: DomainTable;
  readonly #writes: BufferedWrite[] = [];
  /** Key identity → the key's latest write, while reads need it (built on the first such read). */
  #latest: Map<string, BufferedWrite> | undefined;
  /** A native error a read hit; it dooms the transaction even if the function caught it. */
  failure: unknown;
  // Set once the writes are applied: a call after that (from an async fn) would be silently lost.
  #finished = false;

  constructor(table: DomainTable) {
    this.#table = table;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertActive();
    if (this.#writes.length > 0) {
      const write = this.#index().get(idOf(key));
      if (write) return write.value;
    }
    return this.#read((s) => s.get(key));
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    this.#assertActive();
    const bounds = toBounds(range);
    const reverse = range.reverse === true;
    const { limit } = range;
    if (this.#writes.length === 0) return this.#read((s) => s.range(bounds, reverse, limit));

    const overlay = [...this.#index().values()].filter((w) => inBounds(w.key, bounds));
    const deletes = overlay.filter((w) => w.value === undefined).length;
    // Each buffered delete can hide at most one stored row, so `limit + deletes` rows always suffice.
    const rows = this.#read((s) => s.range(bounds, reverse, limit === undefined ? undefined : limit + deletes));
    const merged = new Map<string, [Bytes, Bytes]>();
    for (const row of rows) merged.set(idOf(row[0]), row);
    for (const w of overlay) {
      if (w.value === undefined) merged.delete(idOf(w.key));
      else merged.set(idOf(w.key), [w.key, w.value]);
    }
    const entries = [...merged.values()].sort((a, b) => compareKeys(a[0], b[0]) * (reverse ? -1 : 1));
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  put(key: Bytes, value: Bytes): void {
    this.#buffer({ key, value });
  }

  del(key: Bytes): void {
    this.#buffer({ key, value: undefined });
  }

  /** Applies the buffered writes to the open transaction, in call order. */
  apply(): void {
    this.#finished = true;
    const writes = this.#writes;
    if (writes.length === 0) return;
    this.#table.use((s) => {
      if (writes.length === 1 || this.#latest === undefined) s.writeAll(writes);
      else s.writeAll([...this.#latest.values()]);
    });
  }

  #buffer(write: BufferedWrite): void {
    this.#assertActive();
    this.#writes.push(write);
    this.#latest?.set(idOf(write.key), write);
  }

  #index(): Map<string, BufferedWrite> {
    if (this.#latest === undefined) {
      this.#latest = new Map();
      for (const w of this.#writes) this.#latest.set(idOf(w.key), w);
    }
    return this.#latest;
  }

  #assertActive(): void {
    if (this.#finished) throw new StoreError('CLOSED', 'sqlite: the transaction has already finished');
  }

  #read<T>(op: (statements: TableStatements) => T): T {
    try {
      return this.#table.use(op);
    } catch (err) {
      if (sqliteCode(err) !== undefined) this.failure ??= err;
      throw translateError(err, 'read in transaction');
    }
  }
}
