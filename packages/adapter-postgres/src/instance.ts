import { resolve } from 'node:path';
import {
  type AdapterInstance,
  type DomainBackend,
  type DomainOptions,
  PendingReadsBackend,
  StoreError,
  writeBehindOf,
} from '@agentstore/core/spi';
import { PostgresBackend } from './backend.js';
import type { Database } from './database.js';
import { translateError } from './errors.js';
import { domainOfTable } from './identifiers.js';
import type { ResolvedPostgresOptions } from './options.js';
import { acquireDatabase, keyOf, releaseDatabase, rememberTarget, settingsOf, targetsOf } from './registry.js';
import type { DatabaseSettings } from './table-target.js';

/** The postgres adapter opened for one store: holds one reference per database target it used. */
export class PostgresInstance implements AdapterInstance<ResolvedPostgresOptions> {
  readonly #dataDir: string;
  readonly #databases = new Map<string, Database>();
  readonly #readOnly: boolean;
  #closed = false;

  constructor(dataDir: string, readOnly = false) {
    this.#dataDir = resolve(dataDir);
    this.#readOnly = readOnly;
  }

  async domain(domain: string, options: DomainOptions<ResolvedPostgresOptions>): Promise<DomainBackend> {
    const db = await this.#database(settingsOf(options));
    if (this.#readOnly) {
      // No DDL: the schema, the migrations and the table must all be there already.
      if (!(await db.listTables()).some((table) => domainOfTable(table) === domain)) {
        throw new StoreError('NOT_FOUND', `postgres: no domain "${domain}" in schema ${db.settings.schema}`);
      }
      return new PostgresBackend(db, db.tableHandle(domain), options.durability ?? 'balanced', () => this.#assertOpen());
    }
    const table = await db.table(domain);
    this.#assertOpen();
    const behind = writeBehindOf(options);
    const backend = new PostgresBackend(db, table, options.durability ?? 'balanced', () => this.#assertOpen(), behind);
    // A `fast` domain's reads overlay the writes acknowledged but not committed yet (SPEC §9.2).
    return behind === undefined ? backend : new PendingReadsBackend(backend, table.queue, table);
  }

  async dropDomain(domain: string, options: DomainOptions<ResolvedPostgresOptions>): Promise<void> {
    if (this.#readOnly) throw new StoreError('UNSUPPORTED', 'postgres: opened read-only');
    const db = await this.#database(settingsOf(options));
    const table = db.tableHandle(domain);
    await table.exclusive(async (client) => {
      await client.query(table.sql.drop());
    });
    table.forget();
  }

  async listDomains(): Promise<string[]> {
    this.#assertOpen();
    // No options reach this call: it lists the targets this process has used through this dataDir
    // (README: a fresh process lists a target's domains once one of them was opened).
    for (const settings of targetsOf(this.#dataDir)) await this.#database(settings);
    const names = new Set<string>();
    for (const db of this.#databases.values()) {
      for (const table of await db.listTables()) {
        const domain = domainOfTable(table);
        if (domain !== undefined) names.add(domain);
      }
    }
    return [...names].sort();
  }

  async sync(): Promise<void> {
    this.#assertOpen();
    if (this.#readOnly) return; // nothing was written
    await Promise.all([...this.#databases.values()].map((db) => db.sync()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const held = [...this.#databases.values()];
    this.#databases.clear();
    // Write-behind batches commit before close resolves, even where another store shares the database.
    const flushed = await Promise.allSettled(held.map((db) => db.flushQueues()));
    await Promise.all(held.map((db) => releaseDatabase(db)));
    const lost = flushed.find((outcome) => outcome.status === 'rejected');
    if (lost !== undefined) throw lost.reason;
  }

  async #database(settings: DatabaseSettings): Promise<Database> {
    this.#assertOpen();
    const key = keyOf(settings);
    let db = this.#databases.get(key);
    if (db === undefined) {
      db = acquireDatabase(settings);
      this.#databases.set(key, db);
    }
    try {
      // Read-only: no schema creation or migration (DDL); reads of a missing table read as empty.
      if (!this.#readOnly) await db.ready();
    } catch (error) {
      throw translateError(error, 'opening the database');
    }
    rememberTarget(this.#dataDir, settings);
    return db;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'postgres: the store is closed');
  }
}
