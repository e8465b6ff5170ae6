import { type Bytes, CommitQueue, type Durability, MIGRATION_GUARD_KEY, type Tx, type WriteBehind } from '@agentstore/core/spi';
import type { PooledClient } from './driver.js';
import { isRetryable, translateError } from './errors.js';
import { lockKey } from './identifiers.js';
import { type Partition, partitionLockId } from './key-locks.js';
import { ddlLock } from './migrations.js';
import { commitStats, GROUP_RETRIES, lockInOrder, PgEngine, type PgTxn } from './pg-engine.js';
import { ReadBatcher } from './read-batch.js';
import { TableSql } from './table-sql.js';
import type { GroupTable, LockPlan, TableTarget } from './table-target.js';

/** Most transactions in one commit group; bounds the latency of the group's first member. */
const MAX_GROUP = 512;
/** Point-read statements of one domain running at once in one process; more calls wait and are coalesced. */
const READS_IN_FLIGHT = 2;
/** Most keys in one coalesced point-read statement. */
export const READ_BATCH_KEYS = 1000;
/** Partition lock ids remembered per domain (a sha256 each); the memo is dropped when it grows past this. */
const LOCK_MEMO = 4096;

/**
 * One domain's table in one database target, shared by every store of the process: its SQL, its
 * advisory locks (the domain's, and one per key partition: `key-locks.ts`), and its commit queue.
 */
export class DomainTable implements GroupTable {
  readonly domain: string;
  readonly sql: TableSql;
  readonly queue: CommitQueue<GroupTable, PgTxn>;
  /** The domain's point reads outside transactions, coalesced (`read-batch.ts`). */
  readonly reads: ReadBatcher;
  /**
   * The 64-bit key of the domain's advisory lock, as SQL: every write transaction holds it shared;
   * `clear`, `dropDomain`, a write to the migration guard and a range read across partitions hold it
   * exclusively.
   */
  readonly lockId: string;
  /** `SELECT pg_advisory_xact_lock(<64-bit hash of schema and domain>)`. */
  readonly #lock: string;
  /** `SELECT v FROM <table> WHERE k = <the migration guard key>`. */
  readonly #guardRead: string;
  readonly #db: TableTarget;
  readonly #lockIds = new Map<string, string>();
  #known = false;

  constructor(db: TableTarget, domain: string) {
    this.domain = domain;
    this.#db = db;
    this.sql = new TableSql(db.settings.schema, domain);
    this.lockId = lockKey(db.settings.schema, `domain:${domain}`);
    this.#lock = `SELECT pg_advisory_xact_lock(${this.lockId})`;
    this.#guardRead = this.sql.getLiteral(MIGRATION_GUARD_KEY);
    this.queue = new CommitQueue(new PgEngine(db, this), {
      maxGroup: MAX_GROUP,
      retries: GROUP_RETRIES,
      busyRetries: () => db.settings.busyRetries,
      onCommit: (jobs) => {
        commitStats.groups++;
        commitStats.transactions += jobs;
      },
    });
    this.reads = new ReadBatcher((keys) => this.#readRows(keys), READS_IN_FLIGHT, READ_BATCH_KEYS);
  }

  /** The rows of `keys` (absent keys have no row), in one statement. */
  async #readRows(keys: Bytes[]): Promise<ReadonlyArray<readonly [Bytes, Bytes]>> {
    return (await this.#db.read(this.sql.getMany(keys), 'getMany')).rows as Array<[Bytes, Bytes]>;
  }

  /**
   * Runs `fn` in the domain's next commit group; resolves with its result once committed, or with
   * `behind` (a blind function in a `fast` domain) once queued (SPEC §9.2).
   */
  transact<R>(fn: (tx: Tx) => R, durability: Durability, behind?: WriteBehind): Promise<R> {
    return this.queue.transact(this, durability, fn, { behind });
  }

  /** Runs `run` alone in a transaction holding the domain's lock exclusively, after everything queued before it. */
  exclusive<R>(run: (client: PooledClient) => Promise<R>): Promise<R> {
    return this.queue.exclusive(async () => {
      for (let attempt = 0; ; attempt++) {
        const result = await this.#db.transaction(this.begin('strict'), run);
        if (result.ok) return result.value;
        if (isRetryable(result.error) && attempt < this.#db.settings.busyRetries) {
          await backoff(attempt);
          continue;
        }
        throw translateError(result.error, `${this.domain}: exclusive operation`);
      }
    });
  }

  /** The statements that open a transaction holding this domain's lock exclusively. */
  begin(durability: Durability): string {
    return `BEGIN; ${this.#db.durabilitySql(durability)}${this.#lock}`;
  }

  /**
   * The prelude of a commit group: BEGIN, the domain's lock (shared unless the plan says exclusive),
   * the plan's partition locks in order, then a read of core's migration guard, which every write
   * transaction reads first — one round trip, and the read a statement of its own after the locks, so
   * it sees every committed guard (a guard is written only under the exclusive lock). The prelude's
   * last result holds the guard's row, if any.
   */
  beginGroup(durability: Durability, plan: LockPlan): string {
    const domain = plan.exclusive ? this.#lock : `SELECT pg_advisory_xact_lock_shared(${this.lockId})`;
    const partitions = plan.exclusive ? '' : lockInOrder(plan.ids);
    return `BEGIN; ${this.#db.durabilitySql(durability)}${domain}; ${partitions}${this.#guardRead}`;
  }

  /** The advisory-lock key of one of this domain's key partitions. */
  partitionLock(partition: Partition): string {
    let id = this.#lockIds.get(partition.id);
    if (id === undefined) {
      if (this.#lockIds.size >= LOCK_MEMO) this.#lockIds.clear();
      id = partitionLockId(this.lockId, partition);
      this.#lockIds.set(partition.id, id);
    }
    return id;
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

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
