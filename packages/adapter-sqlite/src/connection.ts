import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommitQueue, type Durability, type PendingSource, StoreError, type Tx, type WriteBehind } from '@agentstore/core/spi';
import { BIG_VALUES_SCHEMA_VERSION, SIDE_PREFIX } from './big-values.js';
import { registerCounterFunction } from './counter-function.js';
import { DomainTable, TABLE_PREFIX, tableNameOf } from './domain-table.js';
import { openDatabase, type SqliteDatabase, type SqliteStatement } from './driver.js';
import { translateError } from './errors.js';
import { inImmediateTransaction } from './immediate.js';
import { SqliteEngine } from './sqlite-engine.js';
import { WAL_WORKER_AFTER_COMMITS, WalCheckpointWorker } from './wal-checkpoint-worker.js';

/**
 * Version of the on-disk layout a new file starts at (1); a file becomes version 2 when it first holds
 * a value in a side table (see big-values.ts), so earlier versions, which would read the side row's id
 * as the value, refuse it. A file newer than SCHEMA_VERSION is refused.
 */
const BASE_SCHEMA_VERSION = 1;
const SCHEMA_VERSION = BIG_VALUES_SCHEMA_VERSION;

/** Connection-wide settings; a file shared by several domains uses the most generous of each. */
export interface ConnectionSettings {
  readonly busyTimeoutMs: number;
  readonly busyRetries: number;
  readonly cacheSizeKb?: number | undefined;
}

/** One SQLite file opened by this process: its connection, commit queue and domain tables. */
export class Connection {
  /** Absolute path of the file. */
  readonly file: string;
  /** Opened read-only: no DDL, no write; a missing domain table is `NOT_FOUND`. */
  readonly readOnly: boolean;
  readonly #db: SqliteDatabase;
  readonly #engine: SqliteEngine;
  readonly #queue: CommitQueue<DomainTable, SqliteDatabase>;
  readonly #tables = new Map<string, DomainTable>();
  readonly #beginRead: SqliteStatement;
  readonly #commitRead: SqliteStatement;
  readonly #dataVersion: SqliteStatement;
  /** What `changeToken` last saw (`PRAGMA data_version`, the engine's `writes`) and the number it gave. */
  #tokenVersion = -1;
  #tokenWrites = -1;
  #token = 0;
  #settings: ConnectionSettings;
  #closed = false;
  #dbstat: SqliteStatement | null | undefined;
  /** Set once the connection is busy enough to checkpoint in a worker; null if that failed. */
  #walWorker: WalCheckpointWorker | null | undefined;

  private constructor(file: string, db: SqliteDatabase, settings: ConnectionSettings, readOnly: boolean) {
    this.file = file;
    this.readOnly = readOnly;
    this.#db = db;
    this.#settings = settings;
    this.#engine = new SqliteEngine(db);
    this.#queue = new CommitQueue(this.#engine, {
      busyRetries: () => this.#settings.busyRetries,
      onCommit: () => this.#committed(),
    });
    this.#beginRead = db.prepare('BEGIN');
    this.#commitRead = db.prepare('COMMIT');
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Opens `file` (creating it and its directory), switches it to WAL and sets up the meta table. */
  static open(file: string, settings: ConnectionSettings, readOnly = false): Connection {
    let db: SqliteDatabase | undefined;
    try {
      if (!readOnly) mkdirSync(dirname(file), { recursive: true });
      db = openDatabase(file, settings.busyTimeoutMs, readOnly);
      if (readOnly) setUpReadOnly(db, settings);
      else setUp(db, settings);
      registerCounterFunction(db);
      return new Connection(file, db, settings, readOnly);
    } catch (err) {
      db?.close();
      throw translateError(err, `opening ${file}`);
    }
  }

  /** Physical commits made so far by this process on this file (a test hook for group commit). */
  get commits(): number {
    return this.#queue.commits;
  }

  /** Raises the busy timeout, retries and cache size to `settings` where they ask for more. */
  configure(settings: ConnectionSettings): void {
    const current = this.#settings;
    const next: ConnectionSettings = {
      busyTimeoutMs: Math.max(current.busyTimeoutMs, settings.busyTimeoutMs),
      busyRetries: Math.max(current.busyRetries, settings.busyRetries),
      cacheSizeKb: maxDefined(current.cacheSizeKb, settings.cacheSizeKb),
    };
    if (next.busyTimeoutMs !== current.busyTimeoutMs) this.#db.exec(`PRAGMA busy_timeout = ${next.busyTimeoutMs}`);
    if (next.cacheSizeKb !== current.cacheSizeKb) this.#db.exec(`PRAGMA cache_size = ${-(next.cacheSizeKb ?? 0)}`);
    this.#settings = next;
  }

  /** The table of `domain`, created if missing. */
  table(domain: string): DomainTable {
    this.#assertOpen();
    let table = this.#tables.get(domain);
    if (!table) {
      if (this.readOnly && !this.listDomains().includes(domain)) {
        throw new StoreError('NOT_FOUND', `sqlite: no domain "${domain}" in ${this.file}`);
      }
      table = new DomainTable(this.#db, domain, this.readOnly);
      this.#tables.set(domain, table);
    }
    const created = table;
    this.read(() => created.use(() => undefined));
    return table;
  }

  /** Runs `run` in the next commit group; resolves once committed as durably as `durability` asks. */
  write<T>(durability: Durability, run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#queue.run(durability, run) as Promise<T>;
  }

  /**
   * Runs transaction function `fn` on `table` in the next commit group; with `now`, commits at once,
   * without the group's event-loop turn, when nothing is queued; with `behind` (a blind function in
   * a `fast` domain), resolves once queued and commits within its window (SPEC §9.2).
   */
  transact<T>(table: DomainTable, durability: Durability, fn: (tx: Tx) => T, now: boolean, behind?: WriteBehind): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#queue.transact(table, durability, fn, { now, behind });
  }

  /** The queue's acknowledged, uncommitted writes, which the reads of `fast` domains overlay. */
  get pendingSource(): PendingSource<DomainTable> {
    return this.#queue;
  }

  /** Commits what is queued (write-behind batches included) now; rejects when a batch was lost. */
  async flush(): Promise<void> {
    await this.#queue.flush();
    if (this.#queue.lost !== undefined) throw this.#queue.lost;
  }

  /**
   * Whether a write may commit at once, outside a group: nothing is queued or committing on this
   * file (so call order holds) and the queue's per-turn budget of such commits is not spent.
   */
  get canCommitNow(): boolean {
    return !this.#closed && this.#queue.canCommitNow;
  }

  /**
   * Runs `write`, one statement in autocommit (its own transaction), at once, with the synchronous
   * level `durability` needs, and counts it as a commit. Only when `canCommitNow`; its errors are thrown.
   */
  autocommit<T>(durability: Durability, write: () => T): T {
    this.#assertOpen();
    const result = this.#engine.autocommit(durability, write);
    this.#queue.noteCommit();
    return result;
  }

  /**
   * SPI `changeToken` for every domain of this file: a number that changes whenever a commit may have
   * changed the file. `PRAGMA data_version` (one statement, ~0.8 µs) changes at the first statement
   * after another connection committed, in this process (the WAL checkpoint worker's, a read-only
   * store's) or any other; this connection's own commits are the engine's `writes`, which every write
   * transaction and autocommit write of it moves, at its start and its end. Either moving gives a
   * new number from a counter of the process, so no number is ever handed out for two states.
   * Undefined inside a transaction of this connection (a read there would see its uncommitted writes).
   */
  changeToken(): number | undefined {
    this.#assertOpen();
    if (this.#db.inTransaction) return undefined;
    let version: number;
    try {
      version = this.#dataVersion.get() as number;
    } catch (err) {
      throw translateError(err, 'read');
    }
    const writes = this.#engine.writes;
    if (version !== this.#tokenVersion || writes !== this.#tokenWrites) {
      this.#tokenVersion = version;
      this.#tokenWrites = writes;
      this.#token = ++lastToken;
    }
    return this.#token;
  }

  /** Runs the reads in `fn` (in one read transaction when `snapshot`), translating native errors. */
  read<T>(fn: () => T, snapshot = false): T {
    this.#assertOpen();
    if (!snapshot) {
      try {
        return fn();
      } catch (err) {
        throw translateError(err, 'read');
      }
    }
    try {
      this.#beginRead.run();
      try {
        return fn();
      } finally {
        if (this.#db.inTransaction) this.#commitRead.run();
      }
    } catch (err) {
      throw translateError(err, 'read');
    }
  }

  /**
   * Makes every acknowledged write on this file durable: one tiny write committed with
   * `synchronous=FULL` fsyncs the WAL, and with it every commit appended before it, by any process.
   * (An empty commit writes nothing and syncs nothing; a checkpoint can be held back by readers.)
   */
  async sync(): Promise<void> {
    await this.write('strict', () => {
      this.#db.exec(`UPDATE agentstore_meta SET value = value + 1 WHERE key = 'sync_count'`);
    });
  }

  /** Drops the table of `domain` in a commit group. */
  async dropTable(domain: string): Promise<void> {
    const table = this.#tables.get(domain) ?? new DomainTable(this.#db, domain);
    await this.write('balanced', () => table.drop());
  }

  /** Domains with a table in this file. */
  listDomains(): string[] {
    const names = this.read(
      () =>
        this.#db
          .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'd\\_%' ESCAPE '\\' ORDER BY name`)
          .pluck()
          .all() as string[],
    );
    return names.map((name) => name.slice(TABLE_PREFIX.length)).filter((domain) => isDomainName(domain));
  }

  /** Bytes the table of `domain` occupies (from `dbstat`), or undefined where dbstat is missing. */
  tableBytes(domain: string): number | undefined {
    if (this.#dbstat === undefined) {
      try {
        this.#dbstat = this.#db.prepare('SELECT sum(pgsize) FROM dbstat WHERE name IN (?, ?) AND aggregate = 1').pluck();
      } catch {
        this.#dbstat = null;
      }
    }
    const stmt = this.#dbstat;
    if (stmt === null) return undefined;
    // The domain's table and its side table of large values.
    return this.read(() => (stmt.get(tableNameOf(domain), SIDE_PREFIX + domain) as number | null | undefined) ?? 0);
  }

  /** Waits for queued commits, then closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.flush();
    await this.#walWorker?.stop();
    this.#db.close();
    // A write-behind batch lost after it was acknowledged is reported here at the latest.
    if (this.#queue.lost !== undefined) throw this.#queue.lost;
  }

  #committed(): void {
    if (this.#walWorker) this.#walWorker.committed();
    else if (this.#walWorker === undefined && this.#queue.commits >= WAL_WORKER_AFTER_COMMITS) this.#startWalWorker();
  }

  /** Hands checkpoints to a worker; SQLite's automatic ones stay on until it is ready, and come back if it fails. */
  #startWalWorker(): void {
    const walWorker = new WalCheckpointWorker(
      this.file,
      () => this.#autoCheckpoint(false),
      () => {
        this.#walWorker = null;
        this.#autoCheckpoint(true);
      },
    );
    this.#walWorker = walWorker;
  }

  #autoCheckpoint(on: boolean): void {
    if (this.#closed || !this.#db.open) return;
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${on ? 1000 : 0}`);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }
}

/** The last number `changeToken` gave, on any connection of this process. */
let lastToken = 0;

function setUp(db: SqliteDatabase, settings: ConnectionSettings): void {
  db.exec(`PRAGMA busy_timeout = ${settings.busyTimeoutMs}`);
  // journal_mode is persistent: once one process has switched the file to WAL this is a no-op.
  const mode = db.prepare('PRAGMA journal_mode = WAL').pluck().get();
  if (mode !== 'wal') throw new StoreError('IO', `sqlite: could not switch to WAL mode (got ${String(mode)})`);
  if (settings.cacheSizeKb !== undefined) db.exec(`PRAGMA cache_size = ${-settings.cacheSizeKb}`);
  const version = inImmediateTransaction(db, () => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS agentstore_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
       INSERT OR IGNORE INTO agentstore_meta (key, value) VALUES ('schema_version', ${BASE_SCHEMA_VERSION}), ('sync_count', 0);`,
    );
    return db.prepare(`SELECT value FROM agentstore_meta WHERE key = 'schema_version'`).pluck().get();
  });
  if (typeof version !== 'number' || version > SCHEMA_VERSION) {
    throw new StoreError('UNSUPPORTED', `sqlite: file has layout version ${String(version)}, newer than ${SCHEMA_VERSION}`);
  }
}

/** A read-only connection's setup: settings that write nothing, and the layout version when recorded. */
function setUpReadOnly(db: SqliteDatabase, settings: ConnectionSettings): void {
  db.exec(`PRAGMA busy_timeout = ${settings.busyTimeoutMs}`);
  if (settings.cacheSizeKb !== undefined) db.exec(`PRAGMA cache_size = ${-settings.cacheSizeKb}`);
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'agentstore_meta'`).pluck().get();
  // A file no connection has set up yet (created empty) holds no domain: nothing to check.
  if (hasMeta === undefined) return;
  const version = db.prepare(`SELECT value FROM agentstore_meta WHERE key = 'schema_version'`).pluck().get();
  if (typeof version !== 'number' || version > SCHEMA_VERSION) {
    throw new StoreError('UNSUPPORTED', `sqlite: file has layout version ${String(version)}, newer than ${SCHEMA_VERSION}`);
  }
}

function isDomainName(name: string): boolean {
  try {
    tableNameOf(name);
    return true;
  } catch {
    return false;
  }
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function closedError(): StoreError {
  return new StoreError('CLOSED', 'sqlite: the store is closed');
}
