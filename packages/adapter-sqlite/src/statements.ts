import type { Bytes } from '@agentstore/core';
import type { Bounds } from './bounds.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';

/** SQLite's "no limit". */
const NO_LIMIT = -1;

/**
 * The prepared statements of one domain table. Point statements are prepared up front; range and
 * count statements lazily, one per combination of bounds (and direction), then reused.
 */
export class TableStatements {
  readonly #db: SqliteDatabase;
  readonly #table: string;
  readonly #get: SqliteStatement;
  readonly #put: SqliteStatement;
  readonly #del: SqliteStatement;
  readonly #clear: SqliteStatement;
  readonly #ranges = new Map<string, SqliteStatement>();
  readonly #counts = new Map<string, SqliteStatement>();

  /** `table` is an already quoted identifier. */
  constructor(db: SqliteDatabase, table: string) {
    this.#db = db;
    this.#table = table;
    this.#get = db.prepare(`SELECT v FROM ${table} WHERE k = ?`).pluck();
    this.#put = db.prepare(`INSERT OR REPLACE INTO ${table} (k, v) VALUES (?, ?)`);
    this.#del = db.prepare(`DELETE FROM ${table} WHERE k = ?`);
    this.#clear = db.prepare(`DELETE FROM ${table}`);
  }

  /** The value under `key`, or undefined. */
  get(key: Bytes): Bytes | undefined {
    return this.#get.get(key) as Bytes | undefined;
  }

  /** Writes `value` under `key`. */
  put(key: Bytes, value: Bytes): void {
    this.#put.run(key, value);
  }

  /** Deletes `key`; true when it existed. */
  del(key: Bytes): boolean {
    return this.#del.run(key).changes > 0;
  }

  /** Deletes every row. */
  clear(): void {
    this.#clear.run();
  }

  /** Up to `limit` entries within `bounds`, in key order (descending when `reverse`). */
  range(bounds: Bounds, reverse: boolean, limit: number | undefined): Array<[Bytes, Bytes]> {
    const shape = `${shapeOf(bounds)}${reverse ? 'd' : 'a'}`;
    let stmt = this.#ranges.get(shape);
    if (!stmt) {
      const order = reverse ? 'DESC' : 'ASC';
      stmt = this.#db.prepare(`SELECT k, v FROM ${this.#table}${whereOf(bounds)} ORDER BY k ${order} LIMIT ?`).raw();
      this.#ranges.set(shape, stmt);
    }
    return stmt.all(...paramsOf(bounds), limit ?? NO_LIMIT) as Array<[Bytes, Bytes]>;
  }

  /** Number of entries within `bounds`, at most `limit`. */
  count(bounds: Bounds, limit: number | undefined): number {
    const shape = shapeOf(bounds);
    let stmt = this.#counts.get(shape);
    if (!stmt) {
      // The inner LIMIT lets SQLite stop early instead of counting the whole range.
      const sql = `SELECT count(*) FROM (SELECT 1 FROM ${this.#table}${whereOf(bounds)} LIMIT ?)`;
      stmt = this.#db.prepare(sql).pluck();
      this.#counts.set(shape, stmt);
    }
    return stmt.get(...paramsOf(bounds), limit ?? NO_LIMIT) as number;
  }
}

function shapeOf({ lower, upper }: Bounds): string {
  const lo = lower ? (lower.inclusive ? 'L' : 'l') : '-';
  const hi = upper ? (upper.inclusive ? 'U' : 'u') : '-';
  return lo + hi;
}

function whereOf({ lower, upper }: Bounds): string {
  const terms: string[] = [];
  if (lower) terms.push(lower.inclusive ? 'k >= ?' : 'k > ?');
  if (upper) terms.push(upper.inclusive ? 'k <= ?' : 'k < ?');
  return terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`;
}

function paramsOf({ lower, upper }: Bounds): Bytes[] {
  const params: Bytes[] = [];
  if (lower) params.push(lower.key);
  if (upper) params.push(upper.key);
  return params;
}
