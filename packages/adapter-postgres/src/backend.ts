import type { ByteRange, Bytes, DomainBackend, Durability, Tx } from '@agentstore/core';
import { byteId, toBounds } from './bounds.js';
import type { Database } from './database.js';
import type { DomainTable } from './domain-table.js';
import { isMissingRelation, translateError } from './errors.js';

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

  /** `assertOpen` throws `CLOSED` once the store that opened this backend has closed. */
  constructor(db: Database, table: DomainTable, durability: Durability, assertOpen: () => void) {
    this.#db = db;
    this.#table = table;
    this.#durability = durability;
    this.#assertOpen = assertOpen;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.#assertOpen();
    const result = await this.#db.read(this.#table.sql.get(key), 'get');
    return result.rows[0]?.[0] as Bytes | undefined;
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    this.#assertOpen();
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

  transact<T>(fn: (tx: Tx) => T): Promise<T> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#table.queue.transact(fn, this.#durability);
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    const sql = this.#table.sql;
    await this.#table.queue.exclusive(async (client) => {
      try {
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
