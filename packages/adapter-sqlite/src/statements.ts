import type { Bounds } from '@agentstore/core/spi';
import { applyCounterUpdate, type Bytes, type CounterUpdate, StoreError } from '@agentstore/core/spi';
import { BIG_VALUE_BYTES, markBigValues, type SideNames } from './big-values.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import type { LonePutRow } from './lone-put.js';

/** Reads of a row whose side row keeps vanishing (replaced by other processes) before giving up. */
const SIDE_READ_ATTEMPTS = 100;

/** SQLite's "no limit". */
const NO_LIMIT = -1;

/**
 * The bound limit of range statements. With a bare `LIMIT ?` SQLite plans with the bound value, so
 * binding one re-prepares the statement on its next run (measured: a one-row range 10 µs against
 * 3.5 µs with a literal); behind a cast the value is only read at run time, as a literal's would be.
 */
const LIMIT = 'CAST(? AS INTEGER)';

/** Rows per multi-row `INSERT` when a transaction writes many: far fewer statement runs for a batch. */
const ROWS_PER_INSERT = [64, 8] as const;

/** A buffered write; `value` undefined means delete. */
interface Write {
  readonly key: Bytes;
  readonly value: Bytes | undefined;
}

/**
 * The prepared statements of one domain table. Point statements are prepared up front; range and
 * count statements lazily, one per combination of bounds (and direction), then reused.
 */
export class TableStatements {
  readonly #db: SqliteDatabase;
  readonly #table: string;
  readonly #get: SqliteStatement;
  /** `getUnlessGuarded`'s statement, for the guard key `#guardKey` (written into it as a literal). */
  #getGuarded: SqliteStatement | undefined;
  /** The guard key array last passed (identity) and a copy of the bytes the statement was made for. */
  #guardKey: Bytes | undefined;
  #guardBytes: Buffer | undefined;
  readonly #put: SqliteStatement;
  readonly #side: SideNames | undefined;
  readonly #getSide: SqliteStatement | undefined;
  #putSide: SqliteStatement | undefined;
  #putIndirect: SqliteStatement | undefined;
  #marked = false;
  readonly #del: SqliteStatement;
  readonly #clear: SqliteStatement;
  #counter: SqliteStatement | undefined;
  /** `putUnlessAnyOf` statements by number of rows. */
  readonly #lonePuts = new Map<number, SqliteStatement>();
  readonly #putRows = new Map<number, SqliteStatement>();
  /** Range and count statements by `shapeOf` their bounds and direction. */
  readonly #ranges = new Array<SqliteStatement | undefined>(SHAPES);
  readonly #guardedRanges = new Array<SqliteStatement | undefined>(SHAPES);
  readonly #counts = new Array<SqliteStatement | undefined>(SHAPES);

  /**
   * `table` is an already quoted identifier; `side` its side table (see `big-values.ts`), absent
   * only on a read-only connection to a file that has none.
   */
  constructor(db: SqliteDatabase, table: string, side: SideNames | undefined) {
    this.#db = db;
    this.#table = table;
    this.#side = side;
    // Reads read the rows alone and a side row only for an id: a LEFT JOIN on every kv get measured
    // ~0.3-0.8 µs more at p50; a CASE with a scalar subquery copies a large value twice.
    this.#get = db.prepare(`SELECT v FROM ${table} WHERE k = ?`).pluck();
    this.#getSide = side === undefined ? undefined : db.prepare(`SELECT v FROM ${side.table} WHERE id = ?`).pluck();
    // An upsert, not INSERT OR REPLACE: replacing a row must fire the side table's update trigger.
    this.#put = db.prepare(`INSERT INTO ${table} (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`);
    this.#del = db.prepare(`DELETE FROM ${table} WHERE k = ?`);
    this.#clear = db.prepare(`DELETE FROM ${table}`);
  }

  /** The value under `key`, or undefined. */
  get(key: Bytes): Bytes | undefined {
    for (let attempt = 0; ; attempt++) {
      const stored = this.#get.get(key) as Bytes | number | undefined;
      if (typeof stored !== 'number') return stored;
      const value = this.#sideValue(stored, attempt);
      if (value !== undefined) return value;
    }
  }

  /**
   * The side row `id` (see `big-values.ts`), or undefined when it was deleted since its id was read
   * (outside a transaction another process may replace the value in between: the caller reads the
   * row again). Side ids are AUTOINCREMENT, never reused, so a side row found is the value the row
   * held when it was read.
   */
  #sideValue(id: number, attempt: number): Bytes | undefined {
    const value = this.#getSide?.get(id) as Bytes | undefined;
    if (value === undefined && (this.#db.inTransaction || attempt >= SIDE_READ_ATTEMPTS)) {
      throw new StoreError('CORRUPT', `sqlite: side row ${id} of ${this.#table} is missing`);
    }
    return value;
  }

  /**
   * The value under `key` (null when absent) when `guard` holds none, else undefined: one statement,
   * so one snapshot without a transaction around it. Measured against a lone get: 0.8 µs more, where
   * two statements in a read transaction cost 2.3 µs more (and a row of both values 1.2 µs).
   */
  getUnlessGuarded(key: Bytes, guard: Bytes): Bytes | null | undefined {
    const statement = guard === this.#guardKey ? (this.#getGuarded as SqliteStatement) : this.#guardedStatement(guard);
    for (let attempt = 0; ; attempt++) {
      const stored = statement.get(key) as Bytes | number | null | undefined;
      if (typeof stored !== 'number') return stored;
      const value = this.#sideValue(stored, attempt);
      if (value !== undefined) return value;
    }
  }

  /**
   * The statement of `getUnlessGuarded` for `guard`, prepared on first use and again only for a guard
   * key of other bytes (core passes one key, always the same constant array: it is recognized by
   * identity). The guard's key is a literal in it: a second bound BLOB cost ~0.06 µs of a ~5 µs get.
   */
  #guardedStatement(guard: Bytes): SqliteStatement {
    const bytes = Buffer.from(guard.buffer, guard.byteOffset, guard.byteLength);
    if (this.#getGuarded === undefined || this.#guardBytes === undefined || !bytes.equals(this.#guardBytes)) {
      const sql = `SELECT (SELECT v FROM ${this.#table} WHERE k = ?) WHERE NOT EXISTS (SELECT 1 FROM ${this.#table} WHERE k = X'${bytes.toString('hex')}')`;
      this.#getGuarded = this.#db.prepare(sql).pluck();
      this.#guardBytes = Buffer.from(bytes);
    }
    this.#guardKey = guard;
    return this.#getGuarded;
  }

  /** Writes `value` under `key`. */
  put(key: Bytes, value: Bytes): void {
    if (value.byteLength > BIG_VALUE_BYTES && this.#side !== undefined) this.#putBig(key, value);
    else this.#put.run(key, value);
  }

  /** A value in the side table, its id in the domain row (one transaction: the caller's, or autocommit here). */
  #putBig(key: Bytes, value: Bytes): void {
    const side = this.#side as SideNames;
    this.#putSide ??= this.#db.prepare(`INSERT INTO ${side.table} (v) VALUES (?)`);
    this.#putIndirect ??= this.#db.prepare(
      `INSERT INTO ${this.#table} (k, v) VALUES (?, last_insert_rowid()) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
    );
    const inTx = this.#db.inTransaction;
    if (!inTx) this.#db.exec('BEGIN IMMEDIATE');
    try {
      if (!this.#marked) {
        markBigValues(this.#db);
        this.#marked = true;
      }
      this.#putSide.run(value);
      this.#putIndirect.run(key);
      if (!inTx) this.#db.exec('COMMIT');
    } catch (err) {
      if (!inTx && this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Applies one counter update in one statement (an autocommit when no transaction is open) and
   * returns the bytes stored, or undefined (writing nothing) when `guard` holds a value; the value
   * is computed by core's `applyCounterUpdate` through the connection's `agentstore_counter` SQL
   * function, whose INVALID_VALUE fails the statement. The guard is read by the statement itself, so
   * atomically with its write: SQLite runs one writer at a time and a writing statement starts from
   * the newest snapshot. A held guard makes the inserted value NULL, which the NOT NULL column and
   * `OR IGNORE` turn into "skip the row" before the upsert is considered (SQLite checks NOT NULL
   * before uniqueness), so neither a new nor an existing counter is written. `VALUES`, not
   * `INSERT … SELECT … WHERE NOT EXISTS`: a SELECT that reads the table it inserts into goes through
   * a temporary table (measured: 2.2 µs of an 11 µs update).
   */
  updateCounter(update: CounterUpdate, guard: Bytes): Bytes | undefined {
    this.#counter ??= this.#db
      .prepare(
        `INSERT OR IGNORE INTO ${this.#table} (k, v) ` +
          `VALUES (?, CASE WHEN EXISTS (SELECT 1 FROM ${this.#table} WHERE k = ?) THEN NULL ELSE ? END) ` +
          'ON CONFLICT (k) DO UPDATE SET v = agentstore_counter(v, ?, ?, ?) RETURNING v',
      )
      .pluck();
    // The value for an absent key is computed here, so the SQL function runs only on a stored one.
    const fresh = applyCounterUpdate(undefined, update);
    const { by, bounded } = update;
    return this.#counter.get(update.key, guard, fresh, by, bounded?.threshold ?? null, bounded?.setTo ?? null) as Bytes | undefined;
  }

  /**
   * Writes `rows` (small values, at most `LONE_PUT_ROWS`, none under `guard`) in one statement (an
   * autocommit when no transaction is open) unless `guard` holds a value; true when written, false
   * (nothing written) when it does. The guard is read by the statement itself, as `updateCounter`
   * does: a held guard makes every inserted value NULL, which the NOT NULL column and `OR IGNORE`
   * turn into "skip the row" before the upsert is considered. `VALUES`, not `INSERT … SELECT`, for
   * the same reason (no temporary table: EXPLAIN shows none). Later rows replace earlier ones of
   * their key, as in `writeAll`; no row writes `guard`, so each row's read of it answers alike.
   */
  putUnlessAnyOf(rows: readonly LonePutRow[], guard: Bytes): boolean {
    const n = rows.length;
    let stmt = this.#lonePuts.get(n);
    if (stmt === undefined) {
      const row = `(?, CASE WHEN EXISTS (SELECT 1 FROM ${this.#table} WHERE k = ?) THEN NULL ELSE ? END)`;
      const values = Array(n).fill(row).join(', ');
      stmt = this.#db.prepare(`INSERT OR IGNORE INTO ${this.#table} (k, v) VALUES ${values} ON CONFLICT (k) DO UPDATE SET v = excluded.v`);
      this.#lonePuts.set(n, stmt);
    }
    if (n === 1) {
      const only = rows[0] as LonePutRow;
      return stmt.run(only.key, guard, only.value).changes > 0;
    }
    const params: Bytes[] = new Array(n * 3);
    for (let r = 0; r < n; r++) {
      const row = rows[r] as LonePutRow;
      params[3 * r] = row.key;
      params[3 * r + 1] = guard;
      params[3 * r + 2] = row.value;
    }
    return stmt.run(params).changes > 0;
  }

  /** Applies `writes` in order: runs of small puts go in multi-row upserts (a later row replaces an earlier one). */
  writeAll(writes: readonly Write[]): void {
    let i = 0;
    while (i < writes.length) {
      const w = writes[i] as Write;
      if (w.value === undefined || this.#big(w.value)) {
        if (w.value === undefined) this.del(w.key);
        else this.put(w.key, w.value);
        i++;
        continue;
      }
      let run = i + 1;
      while (run < writes.length && !this.#singly(writes[run] as Write)) run++;
      i = this.#putRun(writes, i, run);
    }
  }

  #big(value: Bytes): boolean {
    return value.byteLength > BIG_VALUE_BYTES && this.#side !== undefined;
  }

  /** Whether a write is not part of a multi-row upsert: a delete, or a value for the side table. */
  #singly(w: Write): boolean {
    return w.value === undefined || this.#big(w.value);
  }

  /** Writes the puts `writes[from..to)`; returns `to`. */
  #putRun(writes: readonly Write[], from: number, to: number): number {
    let i = from;
    for (const rows of ROWS_PER_INSERT) {
      if (to - i < rows) continue;
      const stmt = this.#putStatement(rows);
      const params: Bytes[] = new Array(rows * 2);
      for (; to - i >= rows; i += rows) {
        for (let r = 0; r < rows; r++) {
          const w = writes[i + r] as Write;
          params[2 * r] = w.key;
          params[2 * r + 1] = w.value as Bytes;
        }
        stmt.run(params);
      }
    }
    for (; i < to; i++) {
      const w = writes[i] as Write;
      this.#put.run(w.key, w.value);
    }
    return to;
  }

  #putStatement(rows: number): SqliteStatement {
    let stmt = this.#putRows.get(rows);
    if (!stmt) {
      const values = Array(rows).fill('(?, ?)').join(', ');
      stmt = this.#db.prepare(`INSERT INTO ${this.#table} (k, v) VALUES ${values} ON CONFLICT (k) DO UPDATE SET v = excluded.v`);
      this.#putRows.set(rows, stmt);
    }
    return stmt;
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
    for (let attempt = 0; ; attempt++) {
      const rows = this.#rangeRows(bounds, reverse, limit);
      // Side rows are immutable while they exist, so one found is the value the row held when read.
      if (this.#resolveSide(rows, attempt)) return rows as Array<[Bytes, Bytes]>;
    }
  }

  #rangeRows(bounds: Bounds, reverse: boolean, limit: number | undefined): Array<[Bytes, Bytes | number]> {
    // One row (the newest of a prefix, say) through `get`: measured 10 µs against 16 µs with `all`.
    const shape = shapeOf(bounds, reverse);
    let stmt = this.#ranges[shape];
    if (!stmt) {
      const order = reverse ? 'DESC' : 'ASC';
      stmt = this.#db.prepare(`SELECT k, v FROM ${this.#table}${whereOf(bounds)} ORDER BY k ${order} LIMIT ${LIMIT}`).raw();
      this.#ranges[shape] = stmt;
    }
    if (limit === 1) {
      const row = stmt.get(...paramsOf(bounds), 1) as [Bytes, Bytes | number] | undefined;
      return row === undefined ? [] : [row];
    }
    return stmt.all(...paramsOf(bounds), limit ?? NO_LIMIT) as Array<[Bytes, Bytes | number]>;
  }

  /** Replaces side ids in `rows` by their values; false when one vanished since (read the rows again). */
  #resolveSide(rows: Array<[Bytes, Bytes | number]>, attempt: number): boolean {
    for (const row of rows) {
      if (typeof row[1] !== 'number') continue;
      const value = this.#sideValue(row[1], attempt);
      if (value === undefined) return false;
      row[1] = value;
    }
    return true;
  }

  /**
   * `range`, but no row at all when `guard` holds a value: one statement, so one snapshot without a
   * transaction around it (as `getUnlessGuarded`). An empty result may be either.
   */
  rangeUnlessGuarded(bounds: Bounds, reverse: boolean, limit: number | undefined, guard: Bytes): Array<[Bytes, Bytes]> {
    for (let attempt = 0; ; attempt++) {
      const rows = this.#guardedRangeRows(bounds, reverse, limit, guard);
      // As `range`: a value stored in the side table comes back as its id until resolved here.
      if (this.#resolveSide(rows, attempt)) return rows as Array<[Bytes, Bytes]>;
    }
  }

  #guardedRangeRows(bounds: Bounds, reverse: boolean, limit: number | undefined, guard: Bytes): Array<[Bytes, Bytes | number]> {
    const shape = shapeOf(bounds, reverse);
    let stmt = this.#guardedRanges[shape];
    if (!stmt) {
      const where = whereOf(bounds);
      const unguarded = `NOT EXISTS (SELECT 1 FROM ${this.#table} WHERE k = ?)`;
      const sql = `SELECT k, v FROM ${this.#table}${where === '' ? ' WHERE ' : `${where} AND `}${unguarded} ORDER BY k ${reverse ? 'DESC' : 'ASC'} LIMIT ${LIMIT}`;
      stmt = this.#db.prepare(sql).raw();
      this.#guardedRanges[shape] = stmt;
    }
    const { lower, upper } = bounds;
    const n = limit ?? NO_LIMIT;
    if (limit === 1) {
      const row = (
        lower === undefined
          ? upper === undefined
            ? stmt.get(guard, n)
            : stmt.get(upper.key, guard, n)
          : upper === undefined
            ? stmt.get(lower.key, guard, n)
            : stmt.get(lower.key, upper.key, guard, n)
      ) as [Bytes, Bytes | number] | undefined;
      return row === undefined ? [] : [row];
    }
    return (
      lower === undefined
        ? upper === undefined
          ? stmt.all(guard, n)
          : stmt.all(upper.key, guard, n)
        : upper === undefined
          ? stmt.all(lower.key, guard, n)
          : stmt.all(lower.key, upper.key, guard, n)
    ) as Array<[Bytes, Bytes | number]>;
  }

  /** Number of entries within `bounds`, at most `limit`. */
  count(bounds: Bounds, limit: number | undefined): number {
    const shape = shapeOf(bounds, false);
    let stmt = this.#counts[shape];
    if (!stmt) {
      // The inner LIMIT lets SQLite stop early instead of counting the whole range.
      const sql = `SELECT count(*) FROM (SELECT 1 FROM ${this.#table}${whereOf(bounds)} LIMIT ${LIMIT})`;
      stmt = this.#db.prepare(sql).pluck();
      this.#counts[shape] = stmt;
    }
    return stmt.get(...paramsOf(bounds), limit ?? NO_LIMIT) as number;
  }
}

/** Number of `shapeOf` values. */
const SHAPES = 18;

/** Which statement serves `bounds` in that direction: each end absent, inclusive or exclusive (a number, not a string built per read). */
function shapeOf({ lower, upper }: Bounds, reverse: boolean): number {
  const lo = lower === undefined ? 0 : lower.inclusive ? 1 : 2;
  const hi = upper === undefined ? 0 : upper.inclusive ? 1 : 2;
  return (lo * 3 + hi) * 2 + (reverse ? 1 : 0);
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
