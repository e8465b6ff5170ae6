import { resolve } from 'node:path';
import { type AdapterInstance, type DomainBackend, type DomainOptions, StoreError } from '@agentstore/core/spi';
import { PostgresBackend } from './backend.js';
import type { Database, DatabaseSettings } from './database.js';
import { translateError } from './errors.js';
import { domainOfTable } from './identifiers.js';
import { type PostgresOptions, resolveOptions } from './options.js';
import { acquireDatabase, keyOf, releaseDatabase, rememberTarget, settingsOf, targetsOf } from './registry.js';

/** The postgres adapter opened for one store: holds one reference per database target it used. */
export class PostgresInstance implements AdapterInstance<PostgresOptions> {
  readonly #dataDir: string;
  readonly #databases = new Map<string, Database>();
  #closed = false;

  constructor(dataDir: string) {
    this.#dataDir = resolve(dataDir);
  }

  async domain(domain: string, options: DomainOptions<PostgresOptions>): Promise<DomainBackend> {
    const db = await this.#database(settingsOf(resolveOptions(options)));
    const table = await db.table(domain);
    this.#assertOpen();
    return new PostgresBackend(db, table, options.durability ?? 'balanced', () => this.#assertOpen());
  }

  async dropDomain(domain: string, options: DomainOptions<PostgresOptions>): Promise<void> {
    const db = await this.#database(settingsOf(resolveOptions(options)));
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
    await Promise.all([...this.#databases.values()].map((db) => db.sync()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const held = [...this.#databases.values()];
    this.#databases.clear();
    await Promise.all(held.map((db) => releaseDatabase(db)));
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
      await db.ready();
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
