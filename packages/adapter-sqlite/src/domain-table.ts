import { type Bounds, DOMAIN_NAME_PATTERN, StoreError } from '@agentstore/core/spi';
import { SIDE_PREFIX, type SideNames, sideNamesOf, sideTableDdl, sideTableExists } from './big-values.js';
import type { SqliteDatabase } from './driver.js';
import { isMissingTable } from './errors.js';
import { inImmediateTransaction } from './immediate.js';
import { TableStatements } from './statements.js';

// Core validates domain names already; this module builds SQL from them, so it checks again.

/** Prefix of every domain table's name. */
export const TABLE_PREFIX = 'd_';

/** The table name of `domain`, after asserting the domain-name pattern. */
export function tableNameOf(domain: string): string {
  if (!DOMAIN_NAME_PATTERN.test(domain)) {
    throw new StoreError('INVALID_DOMAIN', `sqlite: invalid domain name ${JSON.stringify(domain)}`);
  }
  return TABLE_PREFIX + domain;
}

/** `name` as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One domain's table in one file: created on first use, with its statements prepared once and shared
 * by every store of the process. If the table is dropped (here or by another process), the next use
 * creates it again and re-prepares.
 */
export class DomainTable {
  /** The domain this table holds. */
  readonly domain: string;
  readonly #db: SqliteDatabase;
  readonly #quoted: string;
  readonly #side: SideNames;
  readonly #readOnly: boolean;
  #statements: TableStatements | undefined;

  constructor(db: SqliteDatabase, domain: string, readOnly = false) {
    this.domain = domain;
    this.#db = db;
    this.#readOnly = readOnly;
    this.#quoted = quoteIdent(tableNameOf(domain));
    this.#side = sideNamesOf(domain, quoteIdent);
  }

  /** Runs `op` with the table's statements, recreating the table once if it has vanished. */
  use<T>(op: (statements: TableStatements) => T): T {
    try {
      return op(this.#prepared());
    } catch (err) {
      if (!isMissingTable(err)) throw err;
      this.#statements = undefined;
      return op(this.#prepared());
    }
  }

  /** `TableStatements.rangeUnlessGuarded` as `use` runs it, without a closure: the hot path of a one-range read. */
  rangeUnlessGuarded(bounds: Bounds, reverse: boolean, limit: number | undefined, guard: Uint8Array): Array<[Uint8Array, Uint8Array]> {
    try {
      return this.#prepared().rangeUnlessGuarded(bounds, reverse, limit, guard);
    } catch (err) {
      if (!isMissingTable(err)) throw err;
      this.#statements = undefined;
      return this.#prepared().rangeUnlessGuarded(bounds, reverse, limit, guard);
    }
  }

  /** `TableStatements.get` as `use` runs it, without a closure: the hot path of an unguarded point read. */
  get(key: Uint8Array): Uint8Array | undefined {
    try {
      return this.#prepared().get(key);
    } catch (err) {
      if (!isMissingTable(err)) throw err;
      this.#statements = undefined;
      return this.#prepared().get(key);
    }
  }

  /** `TableStatements.getUnlessGuarded` as `use` runs it, without a closure: the hot path of a kv get. */
  getUnlessGuarded(key: Uint8Array, guard: Uint8Array): Uint8Array | null | undefined {
    try {
      return this.#prepared().getUnlessGuarded(key, guard);
    } catch (err) {
      if (!isMissingTable(err)) throw err;
      this.#statements = undefined;
      return this.#prepared().getUnlessGuarded(key, guard);
    }
  }

  /** Drops the table; must run inside a write transaction. */
  drop(): void {
    this.#statements = undefined;
    this.#db.exec(`DROP TABLE IF EXISTS ${this.#quoted}; DROP TABLE IF EXISTS ${this.#side.table}`);
  }

  #prepared(): TableStatements {
    if (this.#statements === undefined) {
      // WITHOUT ROWID: the BLOB primary key is the b-tree key, so rows sit in memcmp order.
      const ddl = `CREATE TABLE IF NOT EXISTS ${this.#quoted} (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID`;
      // Read-only: the table was found to exist before this was made (Connection.table); a file
      // written by an earlier version has no side table, and then holds no indirect value.
      if (!this.#readOnly) inImmediateTransaction(this.#db, () => this.#db.exec(`${ddl}; ${sideTableDdl(this.#quoted, this.#side)}`));
      const side = !this.#readOnly || sideTableExists(this.#db, SIDE_PREFIX + this.domain) ? this.#side : undefined;
      this.#statements = new TableStatements(this.#db, this.#quoted, side);
    }
    return this.#statements;
  }
}
