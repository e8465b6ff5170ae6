import { type Bytes, compareBytes, StoreError, type Tx } from '@agentstore/core/spi';
import { BIG_VALUE_BYTES } from './big-values.js';

/** Most puts one lone write may make to go as one autocommit statement (`TableStatements.putUnlessAnyOf`). */
export const LONE_PUT_ROWS = 8;

/** A key no entry has (core never stores an empty key): the guard of a statement whose function read nothing. */
const NO_KEY = new Uint8Array(0);

/** Thrown by `range`: a function that scans does not go as one statement. */
const SCANS: unique symbol = Symbol('scans');

/** One put of a lone write. */
export interface LonePutRow {
  readonly key: Bytes;
  readonly value: Bytes;
}

/**
 * The `Tx` a lone write's function runs against first, outside any transaction, to see whether it
 * can commit as one autocommit statement: it sees its own writes, and a read of any other key
 * answers undefined (absent). When the function only put a few small values and read at most one
 * key it did not write, the statement writes them only if that key is absent, which it reads itself
 * (atomically with the write: SQLite runs one writer at a time and a writing statement starts from
 * the newest snapshot). Then every read of the function answered what the committed state holds at
 * the write, so the run here is the run a transaction would make (functions are repeatable: same
 * answers, same writes and result). Otherwise nothing is written and the function runs in the queue.
 */
export class LonePut implements Tx {
  /** The function's puts, in call order. */
  readonly rows: LonePutRow[] = [];
  #read: Bytes | undefined;
  #reads = 0;
  #fits = true;
  #finished = false;

  /** Makes later calls throw: a function must not keep `tx` beyond its synchronous run. */
  finish(): void {
    this.#finished = true;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertActive();
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as LonePutRow;
      if (compareBytes(row.key, key) === 0) return row.value;
    }
    this.#reads++;
    this.#read = key;
    return undefined;
  }

  range(): Array<[Bytes, Bytes]> {
    this.#assertActive();
    throw SCANS;
  }

  put(key: Bytes, value: Bytes): void {
    this.#assertActive();
    // A large value goes to the side table: two statements, so a transaction.
    if (this.rows.length >= LONE_PUT_ROWS || value.byteLength > BIG_VALUE_BYTES) this.#fits = false;
    else this.rows.push({ key, value });
  }

  del(_key: Bytes): void {
    this.#assertActive();
    this.#fits = false;
  }

  /**
   * The key the statement must find absent (`NO_KEY` when the function read none), or undefined when
   * the write does not go as one statement: it deleted, wrote nothing, too much or a large value, read
   * more than one key, or wrote the key it read (a later row of the statement would see it written).
   */
  guard(): Bytes | undefined {
    if (!this.#fits || this.rows.length === 0 || this.#reads > 1) return undefined;
    const read = this.#read ?? NO_KEY;
    for (const row of this.rows) if (compareBytes(row.key, read) === 0) return undefined;
    return read;
  }

  #assertActive(): void {
    if (this.#finished) throw new StoreError('CLOSED', 'the transaction has already finished');
  }
}
