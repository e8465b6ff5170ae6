import { createRequire } from 'node:module';

/**
 * The slice of better-sqlite3 this adapter uses, declared here so that none of the library's types
 * leak through the public API (and no `@types` package is needed).
 */

/** A prepared statement. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays instead of objects. */
  raw(on?: boolean): this;
  /** The first column only. */
  pluck(on?: boolean): this;
}

/** An open connection. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  /** Registers a SQL function implemented in JavaScript (an exception it throws fails the statement). */
  function(name: string, options: { readonly directOnly?: boolean }, fn: (...args: never[]) => unknown): this;
  exec(sql: string): this;
  close(): this;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

type DatabaseConstructor = new (file: string, options?: { timeout?: number }) => SqliteDatabase;

// better-sqlite3 is CommonJS without bundled types: load it through require so we can give it ours.
const require = createRequire(import.meta.url);
let Database: DatabaseConstructor | undefined;

/** Opens (creating if needed) the SQLite file at `file`. */
export function openDatabase(file: string, busyTimeoutMs: number): SqliteDatabase {
  Database ??= require('better-sqlite3') as DatabaseConstructor;
  return new Database(file, { timeout: busyTimeoutMs });
}
