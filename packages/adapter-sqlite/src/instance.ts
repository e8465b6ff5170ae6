import { existsSync } from 'node:fs';
import { type AdapterInstance, DataDir, type DomainBackend, type DomainOptions, StoreError } from '@agentstore/core/spi';
import { SqliteBackend } from './backend.js';
import { backupFile, checkFile } from './backup.js';
import type { Connection } from './connection.js';
import { translateError } from './errors.js';
import { prepareDatabaseFile } from './missing-file.js';
import { DEFAULT_SQLITE_OPTIONS, type ResolvedSqliteOptions } from './options.js';
import { DEFAULT_FILE, domainFile } from './paths.js';
import { acquireConnection, openConnectionTo, releaseConnection } from './registry.js';

/** The SQLite adapter opened for one store: holds one reference per file it has used. */
export class SqliteInstance implements AdapterInstance<ResolvedSqliteOptions> {
  readonly #dataDir: DataDir;
  readonly #connections = new Map<string, Connection>();
  #closed = false;

  constructor(dataDir: string) {
    this.#dataDir = new DataDir(dataDir);
  }

  async domain(domain: string, options: DomainOptions<ResolvedSqliteOptions>): Promise<DomainBackend> {
    this.#assertOpen();
    // The default file's directory is made together with its file (missing-file.ts), so that a
    // directory without its file tells of a deleted database; a `path` gets its directories here.
    if (options.path === undefined) this.#dataDir.root(true);
    const connection = this.#connect(domainFile(this.#dataDir, options.path, options.path !== undefined), options);
    const table = connection.table(domain);
    return new SqliteBackend(connection, table, options.durability ?? 'balanced', () => this.#assertOpen());
  }

  async dropDomain(domain: string, options: DomainOptions<ResolvedSqliteOptions>): Promise<void> {
    this.#assertOpen();
    const file = domainFile(this.#dataDir, options.path, false);
    // Nothing to drop, and no reason to create the file just to find that out.
    if (!this.#connections.has(file) && !existsSync(file)) return;
    await this.#connect(file, options).dropTable(domain);
  }

  async listDomains(): Promise<string[]> {
    this.#assertOpen();
    // Domains in files given by `path` are listed once this store has opened them.
    const defaultFile = domainFile(this.#dataDir, DEFAULT_FILE, false);
    if (!this.#connections.has(defaultFile) && existsSync(defaultFile)) {
      this.#connect(defaultFile, DEFAULT_SQLITE_OPTIONS);
    }
    const names = new Set<string>();
    for (const connection of this.#connections.values()) {
      for (const name of connection.listDomains()) names.add(name);
    }
    return [...names].sort();
  }

  async sync(): Promise<void> {
    this.#assertOpen();
    await Promise.all([...this.#connections.values()].map((connection) => connection.sync()));
  }

  async backup(targetDir: string): Promise<void> {
    const files = this.#files();
    // Files exist, so dataDir does: its real path is what they were resolved below.
    const root = this.#dataDir.root() ?? this.#dataDir.path;
    for (const file of files) await backupFile(root, file, targetDir);
  }

  async check(): Promise<string[]> {
    return this.#files().flatMap((file) => checkFile(file));
  }

  /** Files this store has opened, plus the default file when it exists. */
  #files(): string[] {
    this.#assertOpen();
    const files = new Set(this.#connections.keys());
    const defaultFile = domainFile(this.#dataDir, DEFAULT_FILE, false);
    if (existsSync(defaultFile)) files.add(defaultFile);
    return [...files].sort();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map((connection) => releaseConnection(connection)));
  }

  #connect(file: string, options: ResolvedSqliteOptions): Connection {
    const settings = {
      busyTimeoutMs: options.busyTimeoutMs,
      busyRetries: options.busyRetries,
      cacheSizeKb: options.cacheSizeKb,
    };
    const held = this.#connections.get(file);
    if (held) {
      held.configure(settings);
      return held;
    }
    if (!openConnectionTo(file)) {
      try {
        prepareDatabaseFile(file, file === domainFile(this.#dataDir, DEFAULT_FILE, false));
      } catch (err) {
        throw translateError(err, `preparing ${file}`);
      }
    }
    const connection = acquireConnection(file, settings);
    this.#connections.set(file, connection);
    return connection;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'sqlite: the store is closed');
  }
}
