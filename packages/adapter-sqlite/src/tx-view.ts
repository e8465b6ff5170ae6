import { type ByteRange, type Bytes, StoreError, type Tx } from '@agentstore/core';
import { compareKeys, inBounds, toBounds } from './bounds.js';
import type { DomainTable } from './domain-table.js';
import { sqliteCode, translateError } from './errors.js';
import type { TableStatements } from './statements.js';

interface BufferedWrite {
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
 */
export class TxView implements Tx {
  readonly #table: DomainTable;
  readonly #writes = new Map<string, BufferedWrite>();
  /** A native error a read hit; it dooms the transaction even if the function caught it. */
  failure: unknown;
  // Set once the writes are applied: a call after that (from an async fn) would be silently lost.
  #finished = false;

  constructor(table: DomainTable) {
    this.#table = table;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertActive();
    const write = this.#writes.get(idOf(key));
    if (write) return write.value;
    return this.#read((s) => s.get(key));
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    this.#assertActive();
    const bounds = toBounds(range);
    const reverse = range.reverse === true;
    const { limit } = range;
    if (this.#writes.size === 0) return this.#read((s) => s.range(bounds, reverse, limit));

    const overlay = [...this.#writes.values()].filter((w) => inBounds(w.key, bounds));
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
    this.#assertActive();
    this.#writes.set(idOf(key), { key, value });
  }

  del(key: Bytes): void {
    this.#assertActive();
    this.#writes.set(idOf(key), { key, value: undefined });
  }

  /** Applies the buffered writes to the open transaction. */
  apply(): void {
    this.#finished = true;
    if (this.#writes.size === 0) return;
    this.#table.use((s) => {
      for (const { key, value } of this.#writes.values()) {
        if (value === undefined) s.del(key);
        else s.put(key, value);
      }
    });
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
