import {
  type ByteRange,
  type Bytes,
  byteId,
  type CounterUpdate,
  counterUpdatesInTx,
  type DomainBackend,
  type Durability,
  StoreError,
  type TransactOptions,
  type Tx,
  toBounds,
  type WriteBehind,
  type WriteGuard,
} from '@agentstore/core/spi';
import type { Database } from './database.js';
import { type DomainTable, READ_BATCH_KEYS } from './domain-table.js';
import { isMissingRelation, sqlState, translateError } from './errors.js';
import { partitionOf } from './key-locks.js';

/** Rows fetched per statement while streaming a range. */
export const PAGE_SIZE = 256;
/** Keys per `getMany` statement. */
const GET_MANY_CHUNK = 1000;

/** One domain's storage: the `"<schema>"."d_<domain>"` table. */
export class PostgresBackend implements DomainBackend {
  readonly #db: Database;
  readonly #table: DomainTable;
  readonly #durability: Durability;
  readonly #assertOpen: () => void;
  readonly #behind: WriteBehind | undefined;

  /** `assertOpen` throws `CLOSED` once the store that opened this backend has closed; `behind`: a `fast` domain's window. */
  constructor(db: Database, table: DomainTable, durability: Durability, assertOpen: () => void, behind?: WriteBehind) {
    this.#db = db;
    this.#table = table;
    this.#durability = durability;
    this.#assertOpen = assertOpen;
    this.#behind = behind;
  }

  /** Coalesced with the domain's other point reads in flight (`read-batch.ts`). */
  async get(key: Bytes): Promise<Bytes | undefined> {
    this.#assertOpen();
    return (await this.#table.reads.read([key])).get(byteId(key));
  }

  /** Coalesced like `get` up to `READ_BATCH_KEYS` keys; a longer list is read in chunks of its own. */
  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    this.#assertOpen();
    if (keys.length <= READ_BATCH_KEYS) {
      const found = await this.#table.reads.read(keys);
      return keys.map((key) => found.get(byteId(key)));
    }
    const found = new Map<string, Bytes>();
    for (let i = 0; i < keys.length; i += GET_MANY_CHUNK) {
      const chunk = keys.slice(i, i + GET_MANY_CHUNK);
      const result = await this.#db.read(this.#table.sql.getMany(chunk), 'getMany');
      for (const [k, v] of result.rows as Array<[Bytes, Bytes]>) found.set(byteId(k), v);
    }
    return keys.map((key) => found.get(byteId(key)));
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    const reverse = range.reverse === true;
    let bounds = toBounds(range);
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    // Keyset pagination: each page is one short statement on any pooled connection, so no cursor or
    // connection is held across the consumer's awaits and memory stays bounded however long the scan.
    while (remaining > 0) {
      this.#assertOpen();
      const size = Math.min(PAGE_SIZE, remaining);
      const result = await this.#db.read(this.#table.sql.range(bounds, reverse, size), 'range');
      const rows = result.rows as Array<[Bytes, Bytes]>;
      for (const row of rows) yield row;
      const last = rows.at(-1);
      if (rows.length < size || last === undefined) return;
      remaining -= rows.length;
      const after = { key: last[0], inclusive: false };
      bounds = reverse ? { ...bounds, upper: after } : { ...bounds, lower: after };
    }
  }

  async count(range: ByteRange): Promise<number> {
    this.#assertOpen();
    if (range.limit !== undefined && range.limit <= 0) return 0;
    const result = await this.#db.read(this.#table.sql.count(toBounds(range), range.limit), 'count');
    return Number(result.rows[0]?.[0] ?? 0);
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#table.transact(fn, this.#durability, options?.blind === true ? this.#behind : undefined);
  }

  updateCounters(updates: readonly CounterUpdate[], guard?: WriteGuard): Promise<Bytes[]> {
    const only = updates.length === 1 ? updates[0] : undefined;
    // One round trip: for a lone durable update while this process queues nothing on the domain
    // (so call order holds); `fast` and async-by-default sessions keep the queue's SET LOCAL handling.
    if (only !== undefined && this.#durability !== 'fast' && this.#db.synchronousByDefault && this.#table.queue.idle) {
      return this.#counterStatement(only, updates, guard);
    }
    return this.#counterTransaction(updates, guard);
  }

  async #counterStatement(update: CounterUpdate, updates: readonly CounterUpdate[], guard: WriteGuard | undefined): Promise<Bytes[]> {
    this.#assertOpen();
    try {
      // Without a guard, one no key can match (keys are never empty).
      const guardKey = guard?.key ?? new Uint8Array(0);
      const keyLock = this.#table.partitionLock(partitionOf(update.key));
      const sql = this.#table.sql;
      const text = sql.guardedCounter(update, this.#table.lockId, keyLock, guardKey);
      const results = await this.#db.writePrepared(sql.counterStatement, () => sql.counterPrepare(), text);
      // A simple query of three statements answers with three results; the upsert's is the last.
      const upsert = (Array.isArray(results) ? results.at(-1) : results) as { rows: Array<{ v?: Bytes }> };
      const stored = upsert.rows[0]?.v;
      if (stored !== undefined) return [stored];
      // Refused by the guard (nothing was written): read it for the error.
      const held = await this.get(guardKey);
      throw guard && held !== undefined ? guard.refuse(held) : new StoreError('IO', 'postgres: counter update wrote nothing');
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const state = sqlState(error);
      const message = error instanceof Error ? error.message : String(error);
      if (state === 'ASC01' || state === 'ASC02') throw new StoreError('INVALID_VALUE', message);
      if (state === 'ASC03') throw new StoreError('DECODE', message);
      // The table or schema vanished behind this process, or predates the function: the queue's
      // transaction recreates what is missing.
      if (isMissingRelation(error) || state === '42883') return this.#counterTransaction(updates, guard);
      throw translateError(error, 'counter update');
    }
  }

  #counterTransaction(updates: readonly CounterUpdate[], guard: WriteGuard | undefined): Promise<Bytes[]> {
    return this.transact((tx) => counterUpdatesInTx(tx, updates, guard));
  }

  async clear(guard?: WriteGuard): Promise<void> {
    this.#assertOpen();
    const sql = this.#table.sql;
    await this.#table.exclusive(async (client) => {
      try {
        if (guard !== undefined) {
          // A statement after the lock the exclusive transaction took: it sees every committed guard.
          const found = await client.query({ ...sql.get(guard.key), rowMode: 'array' });
          const held = found.rows[0]?.[0] as Bytes | undefined;
          if (held !== undefined) throw guard.refuse(held);
        }
        await client.query({ ...sql.clear(), rowMode: 'array' });
      } catch (error) {
        // A dropped table has nothing to clear; the transaction is aborted either way, and ends.
        if (!isMissingRelation(error)) throw error;
      }
    });
  }

  async sizeBytes(): Promise<number | undefined> {
    this.#assertOpen();
    try {
      const result = await this.#db.read(
        { text: 'SELECT coalesce(pg_total_relation_size(to_regclass($1)), 0)::int8', values: [this.#table.sql.qualified] },
        'sizeBytes',
      );
      return Number(result.rows[0]?.[0] ?? 0);
    } catch (error) {
      throw translateError(error, 'sizeBytes');
    }
  }
}
