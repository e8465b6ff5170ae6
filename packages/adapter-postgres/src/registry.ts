import { Database } from './database.js';
import { quoteSchema } from './identifiers.js';
import type { ResolvedPostgresOptions } from './options.js';
import type { DatabaseSettings } from './table-target.js';

interface Entry {
  readonly db: Database;
  refs: number;
}

// One pool per database target per process, shared by every store: one commit queue per domain
// then spans all of the process's stores, so they group-commit together and never contend for
// the domain's advisory lock among themselves.
const databases = new Map<string, Entry>();

/** The pool settings of `options`: targets with equal settings share a pool. */
export function settingsOf(options: ResolvedPostgresOptions): DatabaseSettings {
  // The schema is interpolated into SQL: refused here (INVALID_OPTIONS) before any connection, also
  // for a caller of the SPI that skipped core's parse of the route options.
  quoteSchema(options.schema);
  return {
    connectionString: options.connectionString,
    schema: options.schema,
    poolSize: options.poolSize,
    statementTimeoutMs: options.statementTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs,
    applicationName: options.applicationName,
    busyRetries: options.busyRetries,
  };
}

/** The identity of a target, for maps. */
export function keyOf(settings: DatabaseSettings): string {
  return JSON.stringify(settings);
}

/** The process's Database for `settings` (opened on first use); pair every call with `releaseDatabase`. */
export function acquireDatabase(settings: DatabaseSettings): Database {
  const key = keyOf(settings);
  const entry = databases.get(key);
  if (entry) {
    entry.refs += 1;
    return entry.db;
  }
  const db = new Database(settings);
  databases.set(key, { db, refs: 1 });
  return db;
}

/** Drops one reference; the last one ends the pool (after its queued commits). */
export async function releaseDatabase(db: Database): Promise<void> {
  const key = keyOf(db.settings);
  const entry = databases.get(key);
  if (!entry || entry.db !== db) return;
  entry.refs -= 1;
  if (entry.refs > 0) return;
  databases.delete(key);
  await db.end();
}

/** Open pools in this process (for tests). */
export function openDatabaseCount(): number {
  return databases.size;
}

// Targets used through each dataDir in this process, so that `listDomains` (which gets no options)
// can find the domains of a store reopened on the same dataDir.
const targetsByDataDir = new Map<string, Map<string, DatabaseSettings>>();

/** Remembers that a store on `dataDir` used `settings`. */
export function rememberTarget(dataDir: string, settings: DatabaseSettings): void {
  let targets = targetsByDataDir.get(dataDir);
  if (targets === undefined) {
    targets = new Map();
    targetsByDataDir.set(dataDir, targets);
  }
  targets.set(keyOf(settings), settings);
}

/** Targets used through `dataDir` in this process. */
export function targetsOf(dataDir: string): DatabaseSettings[] {
  return [...(targetsByDataDir.get(dataDir)?.values() ?? [])];
}
