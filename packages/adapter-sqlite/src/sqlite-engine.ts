import {
  type BufferedWrite,
  type ByteRange,
  type Bytes,
  type Durability,
  type EnginePhase,
  type ErrorVerdict,
  StoreError,
  type TxEngine,
  toBounds,
} from '@agentstore/core/spi';
import type { DomainTable } from './domain-table.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { isBusy, isFatal, sqliteCode, translateError } from './errors.js';

/**
 * SQLite as core's `TxEngine`: one `BEGIN IMMEDIATE … COMMIT` per group on the file's connection,
 * synchronous reads and writes through each domain table's prepared statements, and the
 * `synchronous` pragma set per group from its strictest durability (FULL for `strict`).
 */
export class SqliteEngine implements TxEngine<DomainTable, SqliteDatabase> {
  readonly sync = true;
  readonly readsOwnWrites = true;
  readonly #db: SqliteDatabase;
  readonly #begin: SqliteStatement;
  readonly #commit: SqliteStatement;
  readonly #rollback: SqliteStatement;
  #synchronous: 'FULL' | 'NORMAL' | undefined;
  #writes = 0;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
  }

  /**
   * Write transactions and autocommit writes this connection has begun or ended, whatever their
   * outcome (two a write): it changes across every commit of this connection, which SQLite's
   * `data_version` does not count (see `Connection.changeToken`).
   */
  get writes(): number {
    return this.#writes;
  }

  transaction(durability: Durability, body: (db: SqliteDatabase) => void): void {
    this.useDurability(durability);
    this.#writes++;
    try {
      this.#begin.run();
      try {
        body(this.#db);
        this.#assertInTransaction();
        this.#commit.run();
      } catch (error) {
        this.#rollbackQuietly();
        throw error;
      }
    } finally {
      this.#writes++;
    }
  }

  /** Runs `write`, one statement in autocommit (its own transaction), with the `synchronous` level of `durability`. */
  autocommit<T>(durability: Durability, write: () => T): T {
    this.useDurability(durability);
    this.#writes++;
    try {
      return write();
    } finally {
      this.#writes++;
    }
  }

  get(_db: SqliteDatabase, table: DomainTable, key: Bytes): Bytes | undefined {
    return table.use((s) => s.get(key));
  }

  range(_db: SqliteDatabase, table: DomainTable, range: ByteRange): Array<[Bytes, Bytes]> {
    return table.use((s) => s.range(toBounds(range), range.reverse === true, range.limit));
  }

  write(_db: SqliteDatabase, table: DomainTable, writes: readonly BufferedWrite[]): void {
    this.#assertInTransaction();
    table.use((s) => s.writeAll(writes));
  }

  classify(error: unknown, phase: EnginePhase): ErrorVerdict {
    if (isBusy(error)) return 'busy';
    // Not a native error: the function's (or the job's) own, which fails only that job.
    if ((phase === 'read' || phase === 'run') && sqliteCode(error) === undefined) return 'job';
    if (isFatal(error) || phase === 'begin' || phase === 'commit') return 'fail';
    // A native error only this job's work hit (not the file's state).
    return 'evict';
  }

  translate(error: unknown, doing: string): unknown {
    return translateError(error, doing);
  }

  /** Sets the `synchronous` level `durability` needs; the pragma cannot change inside a transaction. */
  useDurability(durability: Durability): void {
    const level = durability === 'strict' ? 'FULL' : 'NORMAL';
    if (this.#synchronous === level) return;
    this.#db.exec(`PRAGMA synchronous = ${level}`);
    this.#synchronous = level;
  }

  // SQLite rolls back by itself on some errors (FULL, IOERR): never go on in autocommit.
  #assertInTransaction(): void {
    if (!this.#db.inTransaction) throw new StoreError('IO', 'sqlite: the transaction was rolled back');
  }

  #rollbackQuietly(): void {
    try {
      if (this.#db.inTransaction) this.#rollback.run();
    } catch {
      // The attempt already failed; its error is the one worth reporting.
    }
  }
}
