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
