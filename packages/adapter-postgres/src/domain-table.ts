import { MIGRATION_GUARD_KEY } from '@agentstore/core/spi';
import { CommitQueue } from './commit-queue.js';
import { translateError } from './errors.js';
import { lockKey } from './identifiers.js';
import { ddlLock } from './migrations.js';
import { TableSql } from './table-sql.js';
import type { QueuedTable, TableTarget } from './table-target.js';

/**
 * One domain's table in one database target, shared by every store of the process: its SQL, the
 * advisory lock that serializes its writers across processes, and its commit queue.
 */
export class DomainTable implements QueuedTable {
  readonly domain: string;
  readonly sql: TableSql;
  readonly queue: CommitQueue;
  /** The 64-bit key of the advisory lock every writer of this domain takes, as SQL. */
  readonly lockId: string;
  /** `BEGIN; SELECT pg_advisory_xact_lock(<64-bit hash of schema and domain>)`. */
  readonly #lock: string;
  /** `SELECT v FROM <table> WHERE k = <the migration guard key>`. */
  readonly #guardRead: string;
  readonly #db: TableTarget;
  #known = false;

  constructor(db: TableTarget, domain: string) {
    this.domain = domain;
    this.#db = db;
    this.sql = new TableSql(db.settings.schema, domain);
    this.lockId = lockKey(db.settings.schema, `domain:${domain}`);
    this.#lock = `SELECT pg_advisory_xact_lock(${this.lockId})`;
    this.#guardRead = this.sql.getLiteral(MIGRATION_GUARD_KEY);
    this.queue = new CommitQueue(db, this);
  }

  /** The statements that open a transaction holding this domain's writer lock. */
  begin(fast: boolean): string {
    return `BEGIN; ${this.#db.durabilitySql(fast)}${this.#lock}`;
  }

  /**
   * `begin`, then a read of core's migration guard, which every write transaction reads first: in the
   * same round trip, and after the lock (a statement of its own, so it sees every committed guard).
   * The prelude's last result holds the guard's row, if any.
   */
  beginReadingGuard(fast: boolean): string {
    return `${this.begin(fast)}; ${this.#guardRead}`;
  }

  /** Creates the table unless this process already saw it (or `force`). */
  async ensure(force = false): Promise<void> {
    if (this.#known && !force) return;
    if (force) await this.#db.ready(true);
    const found = await this.#db.read({ text: 'SELECT to_regclass($1) IS NOT NULL', values: [this.sql.qualified] }, 'looking up a table');
    if (found.rows[0]?.[0] !== true) {
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalogs: take the DDL lock.
      const sql = this.sql;
      const result = await this.#db.transaction(`BEGIN; ${ddlLock(this.#db.settings.schema)}`, async (client) => {
        await client.query(sql.create());
      });
      if (!result.ok) throw translateError(result.error, `creating the table of ${this.domain}`);
    }
    this.#known = true;
  }

  /** Forgets that the table exists (it was dropped); the next `ensure` looks again. */
  forget(): void {
    this.#known = false;
  }
}
