import { createRequire } from 'node:module';
import { nativeBindingError } from '@agentstore/core/spi';

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

type DatabaseConstructor = new (
  file: string,
  options?: { timeout?: number; readonly?: boolean; fileMustExist?: boolean },
) => SqliteDatabase;

// better-sqlite3 is CommonJS without bundled types: load it through require so we can give it ours.
const require = createRequire(import.meta.url);
let Database: DatabaseConstructor | undefined;

/**
 * Loads better-sqlite3 and its native addon (once per process). The addon is only loaded by the first
 * connection, so open one in memory: a missing or unbuilt addon (pnpm 10 skips build scripts until
 * approved) is then `UNSUPPORTED` naming the fix, from `createStore`, instead of `IO` at the first write.
 */
export function loadDriver(): DatabaseConstructor {
  if (Database) return Database;
  try {
    const loaded = require('better-sqlite3') as DatabaseConstructor;
    new loaded(':memory:').close();
    Database = loaded;
    return loaded;
  } catch (err) {
    throw nativeBindingError('@agentstore/adapter-sqlite', 'better-sqlite3', err);
  }
}

/** Opens (creating if needed, unless `readOnly`) the SQLite file at `file`. */
export function openDatabase(file: string, busyTimeoutMs: number, readOnly = false): SqliteDatabase {
  const Driver = loadDriver();
  return new Driver(file, readOnly ? { timeout: busyTimeoutMs, readonly: true, fileMustExist: true } : { timeout: busyTimeoutMs });
}
