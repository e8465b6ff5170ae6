import { copyFileSync, existsSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  type AdapterInstance,
  DataDir,
  type DomainBackend,
  type DomainOptions,
  PendingReadsBackend,
  StoreError,
  writeBehindOf,
} from '@agentstore/core/spi';
import { SqliteBackend } from './backend.js';
import { backupFile, checkFile } from './backup.js';
import type { Connection } from './connection.js';
import { translateError } from './errors.js';
import { missingFileError, prepareDatabaseFile } from './missing-file.js';
import { DEFAULT_SQLITE_OPTIONS, type ResolvedSqliteOptions } from './options.js';
import { DEFAULT_FILE, domainFile } from './paths.js';
import { acquireConnection, openConnectionTo, releaseConnection } from './registry.js';

/** The SQLite adapter opened for one store: holds one reference per file it has used. */
export class SqliteInstance implements AdapterInstance<ResolvedSqliteOptions> {
  readonly #dataDir: DataDir;
  readonly #connections = new Map<string, Connection>();
  readonly #readOnly: boolean;
  /** Read-only: private directories holding a link to (or copy of) a database file, removed on close. */
  readonly #temps: string[] = [];
  #closed = false;

  constructor(dataDir: string, readOnly = false) {
    this.#dataDir = new DataDir(dataDir);
    this.#readOnly = readOnly;
  }

  async domain(domain: string, options: DomainOptions<ResolvedSqliteOptions>): Promise<DomainBackend> {
    this.#assertOpen();
    if (this.#readOnly) {
      const file = domainFile(this.#dataDir, options.path, false);
      if (!this.#connections.has(file) && !existsSync(file)) throw missingFileError(file, options.path === undefined);
      const connection = this.#connect(file, options);
      return new SqliteBackend(connection, connection.table(domain), options.durability ?? 'balanced', () => this.#assertOpen());
    }
    // The default file's directory is made together with its file (missing-file.ts), so that a
    // directory without its file tells of a deleted database; a `path` gets its directories here.
    if (options.path === undefined) this.#dataDir.root(true);
    const connection = this.#connect(domainFile(this.#dataDir, options.path, options.path !== undefined), options);
    const table = connection.table(domain);
    const behind = writeBehindOf(options);
    const backend = new SqliteBackend(connection, table, options.durability ?? 'balanced', () => this.#assertOpen(), behind);
    // A `fast` domain's reads overlay the writes acknowledged but not committed yet (SPEC §9.2).
    return behind === undefined ? backend : new PendingReadsBackend(backend, connection.pendingSource, table);
  }

  async dropDomain(domain: string, options: DomainOptions<ResolvedSqliteOptions>): Promise<void> {
    this.#assertOpen();
    if (this.#readOnly) throw new StoreError('UNSUPPORTED', 'sqlite: opened read-only');
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
    if (this.#readOnly) return; // nothing was written
    await Promise.all([...this.#connections.values()].map((connection) => connection.sync()));
  }

  async backup(targetDir: string): Promise<void> {
    const files = this.#files();
    // Files exist, so dataDir does: its real path is what they were resolved below.
    const root = this.#dataDir.root() ?? this.#dataDir.path;
    for (const file of files) await backupFile(root, file, targetDir);
  }

  async check(): Promise<string[]> {
    if (!this.#readOnly) return this.#files().flatMap((file) => checkFile(file));
    // Read-only: check what this instance opened (a private link when the file was closed), never
    // the file in place, which a new connection would give -wal and -shm companions.
    await this.listDomains();
    return [...this.#connections.entries()].flatMap(([file, connection]) =>
      checkFile(connection.file).map((fault) => fault.replace(connection.file, file)),
    );
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
    try {
      // Write-behind batches commit before close resolves, even where another store keeps the file open.
      const flushed = await Promise.allSettled(connections.map((connection) => connection.flush()));
      await Promise.all(connections.map((connection) => releaseConnection(connection)));
      const lost = flushed.find((outcome) => outcome.status === 'rejected');
      if (lost !== undefined) throw lost.reason;
    } finally {
      for (const dir of this.#temps.splice(0)) rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Read-only: the path to open for `file`. SQLite gives a WAL database a -wal and a -shm file beside
   * it when it opens it, even read-only, and a read-only connection cannot remove them on close. When
   * the -wal file exists (a writer has the database open, or crashed), they exist already and the file
   * is opened in place. Otherwise no writer has it open, and SQLite opens a hard link to it in a
   * private temporary directory (a copy where the temporary directory is on another file system), so
   * the companions are made there. A writer that opens the database and checkpoints while such a read
   * runs could be seen midway (rare for one command; run it again).
   */
  #readOnlyPath(file: string): string {
    if (existsSync(`${file}-wal`)) return file;
    const dir = mkdtempSync(join(tmpdir(), 'agentstore-sqlite-ro-'));
    this.#temps.push(dir);
    const target = join(dir, basename(file));
    try {
      linkSync(file, target);
    } catch {
      copyFileSync(file, target);
    }
    return target;
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
    if (!this.#readOnly && !openConnectionTo(file)) {
      try {
        prepareDatabaseFile(file, file === domainFile(this.#dataDir, DEFAULT_FILE, false));
      } catch (err) {
        throw translateError(err, `preparing ${file}`);
      }
    }
    const connection = this.#readOnly
      ? acquireConnection(this.#readOnlyPath(file), settings, true)
      : acquireConnection(file, settings, false);
    this.#connections.set(file, connection);
    return connection;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'sqlite: the store is closed');
  }
}
