import type { SqliteDatabase } from './driver.js';

/**
 * Values larger than this are stored in the domain's side table (a rowid table) and the domain
 * table's row holds the side row's id, an INTEGER where every stored value is a BLOB. A domain table
 * is WITHOUT ROWID, so its rows are b-tree keys: SQLite compares a sought key with a row whose record
 * overflows its page by first reading the whole record, value included, so one lookup among large
 * values read several of them (a 1 MiB artifact read ran at ~0.2x a raw read of the same bytes).
 * Values up to this size stay inline (kv and checkpoint rows keep their single lookup).
 */
export const BIG_VALUE_BYTES = 64 * 1024;

/** The layout version of a file that holds an indirect value (older versions refuse to open it). */
export const BIG_VALUES_SCHEMA_VERSION = 2;

/** Prefix of every side table's name (`b_<domain>`); triggers add `_d` and `_u`. */
export const SIDE_PREFIX = 'b_';

/** Quoted names of a domain's side table and its two triggers. */
export interface SideNames {
  readonly table: string;
  readonly onDelete: string;
  readonly onUpdate: string;
}

/** The side names of `domain` (already validated); `quote` quotes an identifier. */
export function sideNamesOf(domain: string, quote: (name: string) => string): SideNames {
  const base = SIDE_PREFIX + domain;
  return { table: quote(base), onDelete: quote(`${base}_d`), onUpdate: quote(`${base}_u`) };
}

/**
 * DDL of the side table of the (quoted) domain table `main`: triggers delete a side row once its
 * domain row is deleted or its value replaced, so every delete path (`DELETE`, upserts) cleans up.
 * `INSERT OR REPLACE` does not fire delete triggers: the statements upsert instead.
 */
export function sideTableDdl(main: string, side: SideNames): string {
  // AUTOINCREMENT: an id is never reused, so a point read that found an id and then reads the side
  // row (two statements) cannot get another key's value.
  return `CREATE TABLE IF NOT EXISTS ${side.table} (id INTEGER PRIMARY KEY AUTOINCREMENT, v BLOB NOT NULL);
    CREATE TRIGGER IF NOT EXISTS ${side.onDelete} AFTER DELETE ON ${main} WHEN typeof(old.v) = 'integer'
      BEGIN DELETE FROM ${side.table} WHERE id = old.v; END;
    CREATE TRIGGER IF NOT EXISTS ${side.onUpdate} AFTER UPDATE OF v ON ${main} WHEN typeof(old.v) = 'integer' AND old.v IS NOT new.v
      BEGIN DELETE FROM ${side.table} WHERE id = old.v; END;`;
}

/** Whether the side table (unquoted name) exists in `db`. */
export function sideTableExists(db: SqliteDatabase, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).pluck().get(name) !== undefined;
}

/** Records in the file's meta table that it holds indirect values (idempotent; inside a write). */
export function markBigValues(db: SqliteDatabase): void {
  db.prepare(`UPDATE agentstore_meta SET value = ? WHERE key = 'schema_version' AND value < ?`).run(
    BIG_VALUES_SCHEMA_VERSION,
    BIG_VALUES_SCHEMA_VERSION,
  );
}
