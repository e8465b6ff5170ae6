import {
  type ByteRange,
  type Bytes,
  type DomainBackend,
  type Durability,
  enforceWriteGuard,
  StoreError,
  type SyncReader,
  type TransactOptions,
  type Tx,
  type WriteBehind,
  type WriteGuard,
} from '@agentstore/core/spi';
import { toStoreError } from './errors.js';
import { type BinaryDb, OWNED_READS_FROM, ownedCopy, readRange, readTransient, readValue } from './lmdb-reads.js';
import { lmdbRangeOf } from './range.js';
import type { SharedEnv } from './shared-env.js';

/** Entries read per synchronous batch while streaming a range. */
const PAGE = 256;

/** How a backend commits: from the domain's durability and the adapter options. */
export interface CommitPolicy {
  /** The domain's durability: `strict` writes resolve only once synced. */
  readonly durability: Durability;
  /** Longest wait before a group commits, in ms. */
  readonly delayMs: number;
  /** A `fast` domain's write-behind window (SPEC §9.2), for blind transactions. */
  readonly behind?: WriteBehind | undefined;
}

/** One domain: a named database in a shared environment, written through its group-commit queue. */
export class LmdbBackend implements DomainBackend {
  readonly #env: SharedEnv;
  readonly #domain: string;
  readonly #policy: CommitPolicy;
  readonly #isOpen: () => boolean;
  /** SPI `ownedReadsFrom`: `readValue` copies a value this large into an array of its own. */
  readonly ownedReadsFrom = OWNED_READS_FROM;
  /** The guard key last found absent, and the read epoch (`SharedEnv.readEpoch`) it was absent in. */
  #guardAbsent: { key: Bytes; epoch: number } | undefined;
  readonly #reader: SyncReader = {
    get: (key) => this.#read('read', (db) => readValue(db, key)),
    getMany: (keys) => this.#read('read', (db) => keys.map((k) => readValue(db, k))),
    range: (range) => this.#read('range read', (db) => readRange(db, range)),
  };

  constructor(env: SharedEnv, domain: string, policy: CommitPolicy, isOpen: () => boolean) {
    this.#env = env;
    this.#domain = domain;
    this.#policy = policy;
    this.#isOpen = isOpen;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    return this.#read('read', (db) => readValue(db, key));
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    return this.#read('read', (db) => keys.map((k) => readValue(db, k)));
  }

  /**
   * Synchronous reads share lmdb-js's read transaction, which moves to a newer snapshot only between
   * event-loop turns or after a commit of this process: all the reads of one call see one snapshot.
   */
  readSync<T>(fn: (reader: SyncReader) => T, guard?: WriteGuard): T {
    if (!this.#isOpen()) throw closedError();
    const result = fn(this.#reader);
    if (guard !== undefined) this.#read('read', (db) => this.#checkGuard(db, guard));
    return result;
  }

  /**
   * SPI `changeToken`: the read epoch after making sure lmdb-js's shared read transaction is current
   * (renewed since this process's last commit and within this timer turn, as the next read would
   * renew it). The epoch changes whenever that transaction may move to a newer snapshot — after each
   * commit of this process (any connection: they share the environment), at most once per timer turn
   * for other processes' commits — so an unchanged epoch means reads see the very same snapshot.
   */
  changeToken(): number {
    return this.#read('read', (db) => {
      (db as unknown as { ensureReadTxn(): void }).ensureReadTxn();
      return this.#env.readEpoch;
    });
  }

  getSync(key: Bytes, guard?: WriteGuard): Bytes | undefined {
    if (!this.#isOpen()) throw closedError();
    try {
      const db = this.#env.db(this.#domain);
      const value = readValue(db, key);
      if (guard !== undefined) this.#checkGuard(db, guard);
      return value;
    } catch (err) {
      throw toStoreError(err, 'read');
    }
  }

  /**
   * `getSync` without the copy of the value (SPI `getSyncTransient`): a view of lmdb's read buffer. The
   * guard's read would reuse that buffer, so when it cannot be skipped the value is copied out first.
   */
  getSyncTransient(key: Bytes, guard?: WriteGuard): Bytes | undefined {
    if (!this.#isOpen()) throw closedError();
    try {
      const db = this.#env.db(this.#domain);
      const value = readTransient(db, key);
      if (guard === undefined || this.#guardKnownAbsent(guard)) return value;
      const kept = value === undefined ? undefined : ownedCopy(value);
      this.#checkGuard(db, guard);
      return kept;
    } catch (err) {
      throw toStoreError(err, 'read');
    }
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    // Pages of synchronous reads: no read transaction stays open while the caller awaits.
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    let window: ByteRange = range;
    while (remaining > 0) {
      const page = this.#read('range read', (db) => readRange(db, window, Math.min(PAGE, remaining)));
      for (const entry of page) yield entry;
      const last = page.at(-1);
      if (page.length < PAGE || !last) return;
      remaining -= page.length;
      window = range.reverse ? { ...range, lt: last[0], lte: undefined } : { ...range, gt: last[0], gte: undefined };
    }
  }

  async count(range: ByteRange): Promise<number> {
    const options = range.limit === 0 ? undefined : lmdbRangeOf({ ...range, reverse: false, limit: undefined });
    if (options === undefined) return 0;
    const all = this.#read('count', (db) => db.getCount(options));
    return range.limit === undefined ? all : Math.min(all, range.limit);
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    let db: BinaryDb;
    try {
      db = this.#writable();
    } catch (err) {
      return Promise.reject(err);
    }
    const { durability, delayMs, behind } = this.#policy;
    return this.#env.queue.transact(db, durability, fn, { delayMs, behind: options?.blind === true ? behind : undefined });
  }

  async clear(guard?: WriteGuard): Promise<void> {
    const db = this.#writable();
    const { durability, delayMs } = this.#policy;
    // Runs inside the group's write transaction: the guard is read under LMDB's write lock.
    const clear = () => {
      enforceWriteGuard(guard, (key) => readValue(db, key));
      db.clearSync();
    };
    await this.#env.queue.run(durability, clear, { delayMs });
  }

  async sizeBytes(): Promise<number | undefined> {
    const stats = this.#read('stats', (db) => db.getStats()) as Record<string, number | undefined>;
    const pages = (stats.treeBranchPageCount ?? 0) + (stats.treeLeafPageCount ?? 0) + (stats.overflowPages ?? 0);
    return stats.pageSize === undefined ? undefined : pages * stats.pageSize;
  }

  /**
   * Refuses as `guard` says when its key holds a value in the current read snapshot; skips the read
   * when the snapshot has not moved since the key was found absent (a native call saved per read).
   */
  #checkGuard(db: BinaryDb, guard: WriteGuard): void {
    if (this.#guardKnownAbsent(guard)) return;
    const held = readValue(db, guard.key);
    if (held !== undefined) throw guard.refuse(held);
    // Taken after the read, which may itself have moved the snapshot.
    this.#guardAbsent = { key: guard.key, epoch: this.#env.readEpoch };
  }

  /** Whether the guard's key was found absent in the current read snapshot (its read can be skipped). */
  #guardKnownAbsent(guard: WriteGuard): boolean {
    const absent = this.#guardAbsent;
    return absent !== undefined && absent.key === guard.key && absent.epoch === this.#env.readEpoch;
  }

  /** The domain's database, for a write: CLOSED once the adapter closed. */
  #writable(): BinaryDb {
    if (!this.#isOpen()) throw closedError();
    return this.#env.db(this.#domain);
  }

  #read<R>(action: string, read: (db: ReturnType<SharedEnv['db']>) => R): R {
    if (!this.#isOpen()) throw closedError();
    try {
      return read(this.#env.db(this.#domain));
    } catch (err) {
      throw toStoreError(err, action);
    }
  }
}

function closedError(): StoreError {
  return new StoreError('CLOSED', 'the lmdb adapter is closed');
}
