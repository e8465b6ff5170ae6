import pg from 'pg';

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

/** Opens a pool (connections are made lazily, on first use). */
export function createPool(settings: PoolSettings): Pool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
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
