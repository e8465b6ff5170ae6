import type { Durability } from '@agentstore/core/spi';
import type { PooledClient, PoolSettings, RowsResult, Statement } from './driver.js';
import type { Partition } from './key-locks.js';
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

/** The locks a commit group's transaction takes up front: the domain's (shared unless `exclusive`), then `ids` in order. */
export interface LockPlan {
  readonly exclusive: boolean;
  /** Partition lock ids, sorted (`sortLockIds`). */
  readonly ids: readonly string[];
}

/**
 * What a domain table and its engine use of their database target (`Database` implements it): an
 * interface of its own so that the database, its tables and their engines do not import each other.
 */
export interface TableTarget {
  readonly settings: DatabaseSettings;
  /** Runs the schema setup once per process (again when `again`). */
  ready(again?: boolean): Promise<void>;
  /** One read-only statement outside any transaction. */
  read(statement: Statement, doing: string): Promise<RowsResult>;
  /** Runs `prelude` (BEGIN and friends), then `body`, then COMMIT (or `commitWith`'s statement ending in it). */
  transaction<T>(
    prelude: string,
    body: (client: PooledClient, preluded: unknown, commitWith: (sql: string) => Promise<unknown>) => Promise<T>,
  ): Promise<TxResult<T>>;
  /** The `SET LOCAL synchronous_commit` a transaction of this durability needs, if any. */
  durabilitySql(durability: Durability): string;
  /** Records that a `fast` (asynchronous) commit happened, for the next `sync()`. */
  noteFastCommit(): void;
}

/** What an engine uses of its domain table (`DomainTable` implements it). */
export interface GroupTable {
  readonly domain: string;
  readonly sql: TableSql;
  /** The 64-bit key of the domain's advisory lock, as SQL (every group holds it shared or exclusively). */
  readonly lockId: string;
  /** The advisory-lock key of one of this domain's key partitions. */
  partitionLock(partition: Partition): string;
  /** Creates the table unless this process already saw it (or `force`). */
  ensure(force?: boolean): Promise<void>;
  /** The statements that open a group transaction holding the locks of `plan`. */
  beginGroup(durability: Durability, plan: LockPlan): string;
}
