import type { PooledClient, PoolSettings, RowsResult, Statement } from './driver.js';
import type { TableSql } from './table-sql.js';

/** How a transaction ended. `duringCommit`: the failure came from COMMIT itself (outcome unknown). */
export type TxResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly duringCommit: boolean };

/** Settings of one database target; targets with equal settings share one pool in the process. */
export interface DatabaseSettings extends PoolSettings {
  readonly schema: string;
  readonly busyRetries: number;
}

/**
 * What a domain table and its commit queue use of their database target (`Database` implements it):
 * an interface of its own so that the database, its tables and their queues do not import each other.
 */
export interface TableTarget {
  readonly settings: DatabaseSettings;
  /** Runs the schema setup once per process (again when `again`). */
  ready(again?: boolean): Promise<void>;
  /** One read-only statement outside any transaction. */
  read(statement: Statement, doing: string): Promise<RowsResult>;
  /** Runs `prelude` (BEGIN and friends), then `body`, then COMMIT. */
  transaction<T>(prelude: string, body: (client: PooledClient, preluded: unknown) => Promise<T>): Promise<TxResult<T>>;
  /** The `SET LOCAL synchronous_commit` a transaction of this durability needs, if any. */
  durabilitySql(fast: boolean): string;
  /** Records that a `fast` (asynchronous) commit happened, for the next `sync()`. */
  noteFastCommit(): void;
}

/** What a commit queue uses of its domain table (`DomainTable` implements it). */
export interface QueuedTable {
  readonly domain: string;
  readonly sql: TableSql;
  /** The statements that open a transaction holding this domain's writer lock. */
  begin(fast: boolean): string;
  /** `begin`, then a read of core's migration guard. */
  beginReadingGuard(fast: boolean): string;
  /** Creates the table unless this process already saw it (or `force`). */
  ensure(force?: boolean): Promise<void>;
}
