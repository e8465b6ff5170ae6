import { createHash } from 'node:crypto';
import type { Bytes, CounterUpdate } from '@agentstore/core';
import type { Bounds } from './bounds.js';
import type { Statement } from './driver.js';
import { quoteIdent, quoteSchema, tableNameOf } from './identifiers.js';

/** A Buffer view of `bytes` (pg sends Buffers as binary parameters, without copying). */
export function toBuffer(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Statement names by SQL text: each text is prepared once per connection, then only executed.
const names = new Map<string, string>();

function named(text: string, values: readonly unknown[]): Statement {
  let name = names.get(text);
  if (name === undefined) {
    name = `agentstore_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { text, values, name };
}

/**
 * The SQL of one domain table, `"<schema>"."d_<domain>" (k bytea primary key, v bytea not null)`.
 * Identifiers are validated and quoted once here; every key and value is a bound parameter.
 */
export class TableSql {
  /** Schema-qualified, quoted table name. */
  readonly qualified: string;
  /** The same name unquoted-but-escaped for `to_regclass`. */
  readonly regclass: string;

  readonly #schema: string;

  constructor(schema: string, domain: string) {
    const table = tableNameOf(domain);
    this.#schema = quoteSchema(schema);
    this.qualified = `${quoteSchema(schema)}.${quoteIdent(table)}`;
    this.regclass = this.qualified;
  }

  create(): string {
    // bytea compares with memcmp and then by length, which is exactly core's key order; it has no
    // collation, so the database's locale cannot change it.
    return `CREATE TABLE IF NOT EXISTS ${this.qualified} (k bytea PRIMARY KEY, v bytea NOT NULL)`;
  }

  drop(): string {
    return `DROP TABLE IF EXISTS ${this.qualified}`;
  }

  get(key: Bytes): Statement {
    return named(`SELECT v FROM ${this.qualified} WHERE k = $1`, [toBuffer(key)]);
  }

  /** The entry at `key` (if any) and the keys right before and after it (values only for `key`). */
  getWithNeighbours(key: Bytes): Statement {
    const text =
      `(SELECT k, CASE WHEN k = $1 THEN v END FROM ${this.qualified} WHERE k >= $1 ORDER BY k ASC LIMIT 1) UNION ALL ` +
      `(SELECT k, NULL::bytea FROM ${this.qualified} WHERE k < $1 ORDER BY k DESC LIMIT 1)`;
    return named(text, [toBuffer(key)]);
  }

  getMany(keys: readonly Bytes[]): Statement {
    return named(`SELECT k, v FROM ${this.qualified} WHERE k = ANY($1::bytea[])`, [keys.map(toBuffer)]);
  }

  /** Up to `limit` entries within `bounds` (all when undefined), in key order or reversed. */
  range(bounds: Bounds, reverse: boolean, limit: number | undefined): Statement {
    const { where, values } = whereOf(bounds);
    values.push(limit ?? null); // LIMIT NULL is no limit
    const order = reverse ? 'DESC' : 'ASC';
    return named(`SELECT k, v FROM ${this.qualified}${where} ORDER BY k ${order} LIMIT $${values.length}`, values);
  }

  /** Number of entries within `bounds`, at most `limit`. */
  count(bounds: Bounds, limit: number | undefined): Statement {
    const { where, values } = whereOf(bounds);
    values.push(limit ?? null);
    // The inner LIMIT lets PostgreSQL stop early instead of counting the whole range.
    return named(`SELECT count(*)::int8 FROM (SELECT 1 FROM ${this.qualified}${where} LIMIT $${values.length}) s`, values);
  }

  /** Upserts `puts` and deletes `dels` (disjoint key sets) in one statement. */
  write(puts: ReadonlyArray<readonly [Bytes, Bytes]>, dels: readonly Bytes[]): Statement {
    const text =
      `WITH del AS (DELETE FROM ${this.qualified} WHERE k = ANY($3::bytea[])) ` +
      `INSERT INTO ${this.qualified} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ` +
      'ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v';
    return named(text, [puts.map(([k]) => toBuffer(k)), puts.map(([, v]) => toBuffer(v)), dels.map(toBuffer)]);
  }

  /**
   * One counter update as one statement: takes the domain's writer lock `lockId` (so it never slips
   * between a commit group's reads and writes), then upserts the bytes `agentstore_counter` computes
   * from the current row; returns them.
   */
  counter(update: CounterUpdate, lockId: string): Statement {
    const fn = `${this.#schema}.agentstore_counter`;
    const text =
      `WITH lock AS (SELECT pg_advisory_xact_lock(${lockId})) ` +
      `INSERT INTO ${this.qualified} (k, v) SELECT $1, ${fn}(NULL::bytea, $2::int8, $3::int8, $4::int8) FROM lock ` +
      `ON CONFLICT (k) DO UPDATE SET v = ${fn}(${this.qualified}.v, $2::int8, $3::int8, $4::int8) RETURNING v`;
    return named(text, [toBuffer(update.key), update.by, update.bounded?.threshold ?? null, update.bounded?.setTo ?? null]);
  }

  /** Upserts one entry with binary parameters (large values skip the array's hex text form). */
  putOne(key: Bytes, value: Bytes): Statement {
    const text = `INSERT INTO ${this.qualified} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`;
    return named(text, [toBuffer(key), toBuffer(value)]);
  }

  clear(): Statement {
    return named(`DELETE FROM ${this.qualified}`, []);
  }
}

function whereOf({ lower, upper }: Bounds): { where: string; values: unknown[] } {
  const terms: string[] = [];
  const values: unknown[] = [];
  if (lower) {
    values.push(toBuffer(lower.key));
    terms.push(`k ${lower.inclusive ? '>=' : '>'} $${values.length}`);
  }
  if (upper) {
    values.push(toBuffer(upper.key));
    terms.push(`k ${upper.inclusive ? '<=' : '<'} $${values.length}`);
  }
  return { where: terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`, values };
}
