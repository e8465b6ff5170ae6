import pg from 'pg';
import { isConnectionError } from './errors.js';
import { parseHostList } from './hosts.js';

/**
 * The slice of `pg` this adapter uses, declared here so that no pg type reaches the public API and
 * the rest of the adapter depends on a handful of members rather than on a whole library.
 */

/** One statement: SQL text (with `$n` placeholders) and its bound values. */
export interface Statement {
  readonly text: string;
  readonly values?: readonly unknown[];
  /** Prepared once per connection under this name, then only bound and executed. */
  readonly name?: string;
}

/** Rows as arrays (column order of the SELECT). */
export interface RowsResult {
  readonly rows: unknown[][];
  readonly rowCount: number | null;
}

/** Something statements run on: the pool (any free connection) or one checked-out connection. */
export interface Queryable {
  query(statement: Statement & { rowMode: 'array' }): Promise<RowsResult>;
  /** Multi-statement SQL without parameters (simple query protocol). */
  query(text: string): Promise<unknown>;
}

/** A connection checked out of the pool. */
export interface PooledClient extends Queryable {
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'error', listener: (err: Error) => void): unknown;
  /** Returns it to the pool; with an error, destroys it instead. */
  release(err?: Error | boolean): void;
}

/** A connection pool. */
export interface Pool extends Queryable {
  connect(): Promise<PooledClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** What a pool is opened with. */
export interface PoolSettings {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly applicationName: string;
}

/** Extra time the client waits for an answer after the server's statement timeout should have fired. */
const READ_TIMEOUT_MARGIN_MS = 5_000;

/**
 * Opens a pool (connections are made lazily, on first use). A libpq-style multi-host connection string
 * (`hosts.ts`) gets one pool per server behind a {@link FailoverPool}.
 */
export function createPool(settings: PoolSettings): Pool {
  const hosts = parseHostList(settings.connectionString);
  if (hosts === undefined) return singlePool(settings.connectionString, settings);
  return new FailoverPool(
    hosts.targets.map((target) => singlePool(target, settings)),
    hosts.readWrite,
  );
}

function singlePool(connectionString: string, settings: PoolSettings): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // A process that forgot close() can still exit once its connections are idle.
    allowExitOnIdle: true,
    keepAlive: true,
    application_name: settings.applicationName,
    statement_timeout: settings.statementTimeoutMs,
    lock_timeout: settings.lockTimeoutMs,
    // A client-side bound too, for a server that stops answering without closing the socket.
    query_timeout: settings.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
  });
  // An idle connection the server dropped (restart, pg_terminate_backend): the pool discards it;
  // without a listener Node would treat the event as an uncaught error.
  pool.on('error', () => {});
  return pool as unknown as Pool;
}

/** No server in the list accepts writes now (all down, or all standbys): a connection error, so `IO`. */
class NoWritableServer extends Error {
  readonly code = 'ENOWRITABLE';
}

/**
 * Several servers tried in order, as libpq does with `host=a,b`: a connection comes from the first one
 * that answers — and, with `target_session_attrs=read-write`, is not in recovery (checked once per new
 * connection). The server that served last is tried first. When the primary dies, transactions on it
 * fail with `IO`; later ones reach whichever server has been promoted, without restarting anything.
 */
export class FailoverPool implements Pool {
  readonly #pools: readonly Pool[];
  readonly #readWrite: boolean;
  readonly #checked = new WeakSet<object>();
  #current = 0;

  constructor(pools: readonly Pool[], readWrite: boolean) {
    this.#pools = pools;
    this.#readWrite = readWrite;
  }

  async connect(): Promise<PooledClient> {
    let failure: unknown = new NoWritableServer('postgres: no server accepts writes');
    for (let i = 0; i < this.#pools.length; i++) {
      const index = (this.#current + i) % this.#pools.length;
      let client: PooledClient;
      try {
        client = await (this.#pools[index] as Pool).connect();
      } catch (error) {
        failure = error;
        continue;
      }
      if (this.#readWrite && !this.#checked.has(client)) {
        const onError = () => {};
        client.on('error', onError);
        try {
          const result = (await client.query('SELECT pg_is_in_recovery() AS standby')) as { rows: Array<{ standby: boolean }> };
          if (result.rows[0]?.standby !== false) {
            client.release(true);
            failure = new NoWritableServer(`postgres: server ${index + 1} of ${this.#pools.length} is a standby`);
            continue;
          }
          this.#checked.add(client);
        } catch (error) {
          client.release(true);
          failure = error;
          continue;
        } finally {
          client.removeListener('error', onError);
        }
      }
      this.#current = index;
      return client;
    }
    throw failure;
  }

  query(statement: Statement & { rowMode: 'array' }): Promise<RowsResult>;
  query(text: string): Promise<unknown>;
  async query(statement: (Statement & { rowMode: 'array' }) | string): Promise<unknown> {
    const client = await this.connect();
    let broken: unknown;
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    try {
      return await client.query(statement as string);
    } catch (error) {
      if (isConnectionError(error)) broken ??= error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken === undefined ? undefined : true);
    }
  }

  async end(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.end().catch(() => {})));
  }

  on(event: 'error', listener: (err: Error) => void): unknown {
    for (const pool of this.#pools) pool.on(event, listener);
    return this;
  }
}
