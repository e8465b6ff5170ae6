import { type Durability, StoreError } from '@agentstore/core/spi';
import { DomainTable } from './domain-table.js';
import type { Pool, PooledClient, RowsResult, Statement } from './driver.js';
import { isConnectionError, isMissingRelation, sqlState, translateError } from './errors.js';
import { quoteSchema } from './identifiers.js';
import { migrate } from './migrations.js';
import { createPool } from './pool.js';
import type { DatabaseSettings, TableTarget, TxResult } from './table-target.js';
import { withClient } from './with-client.js';

const EMPTY: RowsResult = { rows: [], rowCount: 0 };

/** The `synchronous_commit` each durability asks for. */
const COMMIT_LEVEL: Record<Durability, string> = { strict: 'on', balanced: 'remote_write', fast: 'off' };
/** `synchronous_commit` levels from weakest to strongest (as they wait with synchronous replication). */
const LEVELS = ['off', 'local', 'remote_write', 'on', 'remote_apply'];

function rank(level: string): number {
  return LEVELS.indexOf(level);
}

/**
 * One schema in one PostgreSQL database as seen by this process: the pool, the schema setup (run
 * once per process), and the domain tables with their commit queues.
 */
export class Database implements TableTarget {
  readonly settings: DatabaseSettings;
  readonly #pool: Pool;
  readonly #tables = new Map<string, DomainTable>();
  #ready: Promise<void> | undefined;
  /** The server's (session default) `synchronous_commit`, read at setup. */
  #serverCommit = 'on';
  /** Session-level prepared statements (`writePrepared`) each pooled connection has, by name. */
  readonly #prepared = new WeakMap<PooledClient, Set<string>>();
  /** A `fast` (asynchronous) commit happened since the last `sync()`. */
  #unsyncedFast = false;
  #ended = false;

  constructor(settings: DatabaseSettings) {
    this.settings = settings;
    this.#pool = createPool(settings);
  }

  /**
   * Creates the schema and applies migrations (once; a failure is retried on the next call, and
   * `again` runs it anew, for a schema dropped behind this process's back).
   */
  ready(again = false): Promise<void> {
    if (again) this.#ready = undefined;
    this.#ready ??= this.#setUp().catch((error: unknown) => {
      this.#ready = undefined;
      throw translateError(error, `setting up schema ${this.settings.schema}`);
    });
    return this.#ready;
  }

  /** The table of `domain`, created if missing. */
  async table(domain: string): Promise<DomainTable> {
    let table = this.#tables.get(domain);
    if (table === undefined) {
      table = new DomainTable(this, domain);
      this.#tables.set(domain, table);
    }
    await table.ensure();
    return table;
  }

  /** The table of `domain` without creating it (for drop). */
  tableHandle(domain: string): DomainTable {
    let table = this.#tables.get(domain);
    if (table === undefined) {
      table = new DomainTable(this, domain);
      this.#tables.set(domain, table);
    }
    return table;
  }

  /**
   * The SET LOCAL statement (after BEGIN) that makes a group commit as `durability` asks: `strict` →
   * `on` (the WAL flushed locally and, with synchronous replication, on the synchronous standbys),
   * `balanced` → `remote_write` (flushed locally; a synchronous standby has written it but may not have
   * flushed it yet — on a single server the same as `on`), `fast` → `off`. A server default stronger
   * than that (`remote_apply`, or `on` for `balanced`) is kept: nothing empty is returned then.
   */
  durabilitySql(durability: Durability): string {
    const want = COMMIT_LEVEL[durability];
    if (rank(this.#serverCommit) >= rank(want)) return '';
    return `SET LOCAL synchronous_commit = ${want}; `;
  }

  /** Notes that a `fast` group committed (so `sync()` has WAL to flush). */
  noteFastCommit(): void {
    this.#unsyncedFast = true;
  }

  /**
   * One statement on any pooled connection, rows as arrays. A missing table or schema reads as
   * empty (a dropped domain has no data); a dead pooled connection is retried once on a new one.
   */
  async read(statement: Statement, doing: string): Promise<RowsResult> {
    this.#assertNotEnded();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#pool.query({ ...statement, rowMode: 'array' });
      } catch (error) {
        if (isMissingRelation(error)) return EMPTY;
        if (attempt === 0 && isConnectionError(error) && !this.#ended) continue;
        throw translateError(error, doing);
      }
    }
  }

  /**
   * One simple query (`text`, in autocommit) on a pooled connection that has the session-level
   * prepared statement `name` its `EXECUTE` needs: `prepare` (a `PREPARE name AS …`) runs first on a
   * connection that does not have it yet, once per connection. A statement deallocated behind this
   * process (`DEALLOCATE`, `DISCARD`) fails the query before anything ran (26000): it is prepared and
   * run again, once. Never retried otherwise; errors are thrown untranslated.
   */
  async writePrepared(name: string, prepare: () => string, text: string): Promise<unknown> {
    this.#assertNotEnded();
    return withClient(
      () => this.#pool.connect(),
      async (client) => {
        let names = this.#prepared.get(client);
        if (names === undefined) {
          names = new Set();
          this.#prepared.set(client, names);
        }
        for (let attempt = 0; ; attempt++) {
          if (!names.has(name)) {
            try {
              await client.query(prepare());
            } catch (error) {
              // 42P05: prepared already on this connection (by an attempt whose answer was lost).
              if (sqlState(error) !== '42P05') throw error;
            }
            names.add(name);
          }
          try {
            return await client.query(text);
          } catch (error) {
            if (sqlState(error) !== '26000' || attempt > 0) throw error;
            names.delete(name);
          }
        }
      },
    );
  }

  /** Whether a commit without SET LOCAL is as durable as `strict` asks (so as `balanced` too). */
  get synchronousByDefault(): boolean {
    return this.durabilitySql('strict') === '';
  }

  /**
   * One writing statement in autocommit on any pooled connection, rows as arrays; never retried (a
   * connection lost while it ran may or may not have committed it). Errors are thrown untranslated.
   */
  async write(statement: Statement): Promise<RowsResult> {
    this.#assertNotEnded();
    return this.#pool.query({ ...statement, rowMode: 'array' });
  }

  /**
   * Runs `body` in one transaction on one connection: `prelude` (BEGIN and locks, one round trip; its
   * results are handed to `body`), then `body`, then COMMIT — unless `body` ended the transaction itself
   * with `commitWith(sql)`, a simple query whose last statement is COMMIT (one round trip for its last
   * statements and the commit). Never throws: the result says how it ended. A connection that failed is
   * destroyed rather than returned to the pool.
   */
  async transaction<T>(
    prelude: string,
    body: (client: PooledClient, preluded: unknown, commitWith: (sql: string) => Promise<unknown>) => Promise<T>,
  ): Promise<TxResult<T>> {
    let client: PooledClient;
    try {
      this.#assertNotEnded();
      client = await this.#pool.connect();
    } catch (error) {
      return { ok: false, error, duringCommit: false };
    }
    let broken: Error | undefined;
    // A checked-out connection has no pool listener: without ours, a server-side termination
    // between two statements would be an uncaught 'error' event.
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    let committing = false;
    let committed = false;
    let destroy = false;
    const commitWith = async (sql: string) => {
      try {
        const result = await client.query(sql);
        committed = true;
        return result;
      } catch (error) {
        // The server answered with an error: the statements after it, COMMIT included, did not run,
        // and the transaction is aborted (rolled back below). Only a lost connection leaves the
        // outcome unknown.
        if (broken !== undefined || isConnectionError(error)) committing = true;
        throw error;
      }
    };
    try {
      const preluded: unknown = await client.query(prelude);
      const value = await body(client, preluded, commitWith);
      if (!committed) {
        committing = true;
        await client.query('COMMIT');
      }
      return { ok: true, value };
    } catch (error) {
      destroy = broken !== undefined || isConnectionError(error);
      if (!destroy && !committing) {
        await client.query('ROLLBACK').catch(() => {
          destroy = true;
        });
      }
      return { ok: false, error, duringCommit: committing };
    } finally {
      client.removeListener('error', onError);
      client.release(destroy ? (broken ?? true) : undefined);
    }
  }

  /**
   * Makes every acknowledged write durable. Durable groups already waited for their WAL flush at
   * COMMIT; `fast` ones did not, so one tiny synchronous commit forces the WAL to disk up to its
   * own record, which lies after every earlier commit of this server.
   */
  async sync(): Promise<void> {
    await this.flushQueues();
    if (!this.#unsyncedFast) return;
    this.#unsyncedFast = false;
    const s = quoteSchema(this.settings.schema);
    const result = await this.transaction('BEGIN; SET LOCAL synchronous_commit = on', async (client) => {
      await client.query(`UPDATE ${s}.agentstore_meta SET value = value + 1 WHERE key = 'sync_count'`);
    });
    if (!result.ok) {
      this.#unsyncedFast = true;
      throw translateError(result.error, 'sync');
    }
  }

  /** Domains with a table in the schema. */
  async listTables(): Promise<string[]> {
    const result = await this.read(
      {
        text: "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename LIKE 'd\\_%' ORDER BY tablename",
        values: [this.settings.schema],
      },
      'listing domains',
    );
    return result.rows.map((row) => String(row[0]));
  }

  /** Commits what every domain queue holds (write-behind batches included); rejects when a batch was lost. */
  async flushQueues(): Promise<void> {
    const tables = [...this.#tables.values()];
    await Promise.all(tables.map((table) => table.queue.flush()));
    const lost = tables.find((table) => table.queue.lost !== undefined)?.queue.lost;
    if (lost !== undefined) throw lost;
  }

  /** Waits for every queued commit, then closes the pool; idempotent. */
  async end(): Promise<void> {
    if (this.#ended) return;
    await Promise.all([...this.#tables.values()].map((table) => table.queue.flush()));
    this.#ended = true;
    await this.#pool.end().catch(() => {});
  }

  async #setUp(): Promise<void> {
    const client = await this.#pool.connect();
    const onError = () => {};
    client.on('error', onError);
    let destroy = false;
    try {
      await migrate(client, this.settings.schema);
      const shown = await client.query({ text: 'SHOW synchronous_commit', rowMode: 'array' });
      this.#serverCommit = String(shown.rows[0]?.[0]);
    } catch (error) {
      destroy = isConnectionError(error);
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(destroy || undefined);
    }
  }

  #assertNotEnded(): void {
    if (this.#ended) throw new StoreError('CLOSED', 'postgres: the connection pool is closed');
  }
}
