// First: selects the engine before lmdb loads (see select-engine.ts).
import './select-engine.js';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { CommitQueue, DOMAIN_NAME_PATTERN } from '@agentstore/core/spi';
import { open, type RootDatabase } from 'lmdb';
import { fixedEngineLoaded } from './build-info.js';
import { assertEnvIntact } from './env-check.js';
import { toStoreError } from './errors.js';
import { assertNotHeldAlone, ExclusiveLock } from './exclusive-lock.js';
import { LmdbEngine } from './lmdb-engine.js';
import type { BinaryDb } from './lmdb-reads.js';
import type { LmdbResolvedOptions } from './options.js';
import { withWriteLock } from './write-lock-rescue.js';

/** Names a domain may have (core validates them); anything else in the main database is not ours. */

/**
 * One open LMDB environment, shared by every store of this process that uses its path (lmdb allows
 * one environment per path per process). Ref-counted: the last release closes it.
 *
 * Flags: `noMetaSync` and no `overlappingSync`. Every commit fdatasyncs its data pages and writes
 * the meta page without syncing it, so a commit survives kill -9 and an OS crash can at most undo
 * the last commits, never corrupt (`noSync` could). Strict commits add one `mdb_env_sync`, shared
 * by the group. `overlappingSync` is avoided: a commit returns before its flush and a sole opener
 * restores the last flushed snapshot, so surviving kill -9 would hang on lmdb's flush thread.
 *
 * With lmdb's stock engine (not agentstore's fixed build) the environment is held by this process
 * alone through an `ExclusiveLock`, taken before the open and released after the close.
 */
export class SharedEnv {
  readonly path: string;
  readonly root: RootDatabase;
  /** Group commit of every domain of the environment (one write transaction per group). */
  readonly queue: CommitQueue<BinaryDb, RootDatabase>;
  readonly #engine: LmdbEngine;
  readonly #dbs = new Map<string, BinaryDb>();
  readonly #lock: ExclusiveLock | undefined;
  #refs = 1;
  #closing: Promise<void> | undefined;

  readonly #key: string;
  #readEpoch = ++lastEpoch;
  readonly #nextEpoch = (): void => {
    this.#readEpoch = ++lastEpoch;
  };

  private constructor(path: string, root: RootDatabase, lock: ExclusiveLock | undefined, key: string) {
    this.path = path;
    this.#key = key;
    this.root = root;
    this.#engine = new LmdbEngine(root);
    this.queue = new CommitQueue(this.#engine);
    this.#lock = lock;
    onReadRenew(root, this.#nextEpoch);
  }

  /**
   * Changes whenever lmdb-js may have moved this process's shared read transaction to a newer
   * snapshot: lmdb-js emits 'begin-transaction' on the database a read renews it through (once per
   * event-loop turn at most, and after each commit of this process), and on the root as a write
   * transaction begins. While it is unchanged, reads outside a write transaction see one snapshot, so
   * what one of them found (the migration guard absent) still holds. Unique across the environments
   * of this process (one counter for all), so an epoch never names two snapshots.
   */
  get readEpoch(): number {
    return this.#readEpoch;
  }

  /** Opens `path` or shares the environment this process already has open (or is opening) there. */
  static async acquire(path: string, options: LmdbResolvedOptions, readOnly = false): Promise<SharedEnv> {
    // A read-only environment is held apart from a writing one of the same process.
    const key = readOnly ? `${path}\u0000ro` : path;
    for (;;) {
      const opening = pending.get(key);
      const existing = registry.get(key);
      if (opening || existing?.closing) {
        await (opening ?? existing?.closing)?.catch(() => undefined);
        continue;
      }
      if (existing) {
        existing.#refs++;
        return existing;
      }
      const open = SharedEnv.#open(path, options, key, readOnly);
      pending.set(key, open);
      try {
        return await open;
      } finally {
        pending.delete(key);
      }
    }
  }

  static async #open(path: string, options: LmdbResolvedOptions, key: string, readOnly: boolean): Promise<SharedEnv> {
    const fixed = fixedEngineLoaded();
    let lock: ExclusiveLock | undefined;
    let root: RootDatabase | undefined;
    try {
      if (!readOnly) mkdirSync(path, { recursive: true });
      assertEnvIntact(path);
      if (fixed) await assertNotHeldAlone(path);
      else lock = await ExclusiveLock.acquire(path);
      root = await openWithRetry({
        path,
        // lmdb takes a path with an extension for a file; ours is always a directory.
        noSubdir: false,
        keyEncoding: 'binary',
        encoding: 'binary',
        maxDbs: options.maxDbs,
        maxReaders: options.maxReaders,
        noMetaSync: true,
        noSync: false,
        overlappingSync: false,
        ...(readOnly && { readOnly: true }),
        ...(options.mapSizeMb !== undefined && { mapSize: options.mapSizeMb * 1024 * 1024 }),
      });
      // A stock-engine process that took the environment while this one opened it sees this open in
      // /proc/locks or is seen here; nothing has been committed yet either way.
      if (fixed) await assertNotHeldAlone(path);
      const env = new SharedEnv(path, root, lock, key);
      registry.set(key, env);
      return env;
    } catch (err) {
      await root?.close();
      await lock?.release();
      throw toStoreError(err, `open ${path}`);
    }
  }

  /** The named database of `domain`, created on first use. */
  db(domain: string): BinaryDb {
    let db = this.#dbs.get(domain);
    if (!db) {
      try {
        // Creating a named database is a write transaction.
        db = withWriteLock(() => this.root.openDB<Buffer, Buffer>({ name: domain, keyEncoding: 'binary', encoding: 'binary' }));
      } catch (err) {
        throw toStoreError(err, `open database ${domain}`);
      }
      onReadRenew(db, this.#nextEpoch);
      this.#dbs.set(domain, db);
    }
    return db;
  }

  /** Domains that have a named database here. */
  domains(): string[] {
    const names: string[] = [];
    for (const key of this.root.getKeys() as Iterable<Buffer>) {
      // lmdb stores database names NUL-terminated.
      const name = Buffer.from(key).toString('utf8').replace(/\0$/, '');
      if (DOMAIN_NAME_PATTERN.test(name)) names.push(name);
    }
    return names;
  }

  /** Resolves once every queued job has committed and every requested sync has finished. */
  async drain(): Promise<void> {
    await this.queue.flush();
    await this.#engine.synced();
    // A write-behind batch lost after it was acknowledged is reported by the next drain (sync, close).
    if (this.queue.lost !== undefined) throw this.queue.lost;
  }

  /** Makes every commit so far durable (metadata included), whatever the flags. */
  sync(): Promise<void> {
    return this.#engine.syncAll();
  }

  /** Drops the named database of `domain` in a transaction of its own (after queued commits). */
  async drop(domain: string): Promise<void> {
    await this.drain();
    if (!this.domains().includes(domain)) return;
    try {
      const db = this.db(domain);
      withWriteLock(() => db.dropSync());
    } catch (err) {
      throw toStoreError(err, `drop ${domain}`);
    } finally {
      this.#dbs.delete(domain);
    }
    await this.sync();
  }

  /** Set once the last reference is released: the environment is closing or closed. */
  get closing(): Promise<void> | undefined {
    return this.#closing;
  }

  /** Releases one reference; the last one drains the queue and closes the environment. */
  release(): Promise<void> {
    if (--this.#refs > 0) return Promise.resolve();
    this.#closing ??= (async () => {
      let lost: unknown;
      try {
        await this.drain().catch((err: unknown) => {
          if (err !== this.queue.lost) throw err;
          lost = err;
        });
        await this.root.close();
        if (lost !== undefined) throw lost;
      } finally {
        await this.#lock?.release();
        if (registry.get(this.#key) === this) registry.delete(this.#key);
      }
    })();
    return this.#closing;
  }
}

/**
 * Calls `listener` whenever lmdb-js renews its shared read transaction through `store` (and as a write
 * transaction begins there). The event is lmdb-js 3.x's own, not in its type declarations; the
 * adapter's tests check that it still fires.
 */
function onReadRenew(store: RootDatabase | BinaryDb, listener: () => void): void {
  // EventEmitter's own `on`: lmdb-js's override handles its commit events and passes others to a
  // `super.on` that does not exist (it is defined in an object literal).
  EventEmitter.prototype.on.call(store, 'begin-transaction', listener);
}

/** The last read epoch given to any environment of this process (`SharedEnv.readEpoch`). */
let lastEpoch = 0;

/** Open environments of this process by absolute path. */
const registry = new Map<string, SharedEnv>();

/** Opens in progress (they wait for a lock, so they are not instant), by absolute path. */
const pending = new Map<string, Promise<SharedEnv>>();

// lmdb-js 3.5.6 sometimes fails to reopen an environment this process closed a moment ago: its cached
// read transaction is renewed twice and the open throws EINVAL ("No transaction to renew"). Opening
// is idempotent, so a bounded retry is safe; any other error surfaces at once. Under heavy load the
// failure came back several times in a row (CI, 4 immediate attempts): the retries back off (5 ms,
// doubling, about 0.6 s in all) to let the other processes' opens and closes settle.
const OPEN_ATTEMPTS = 8;

async function openWithRetry(options: Parameters<typeof open>[0]): Promise<RootDatabase> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Opening may write (a new environment's main database), so it may wait for the write lock.
      return withWriteLock(() => open(options) as RootDatabase);
    } catch (err) {
      const transient = err instanceof Error && /renew/i.test(err.message);
      if (!transient || attempt >= OPEN_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** (attempt - 1)));
    }
  }
}
