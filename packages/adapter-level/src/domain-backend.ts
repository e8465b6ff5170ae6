import {
  type ByteRange,
  type Bytes,
  type CounterUpdate,
  counterUpdatesInTx,
  type DomainBackend,
  type Durability,
  enforceWriteGuard,
  StoreError,
  type TransactOptions,
  type Tx,
  type WriteBehind,
  type WriteGuard,
} from '@agentstore/core/spi';
import { domainNameKey } from './domain-names.js';
import { translateLevelError } from './errors.js';
import { domainPrefix, nativeRange, prefixEnd, withPrefix } from './keys.js';
import { isMigrationGuard } from './level-engine.js';
import type { LocationLease } from './location.js';
import { loneCounters } from './lone-counters.js';
import type { NativeDb, NativeIterator } from './native.js';

/** Reserved key written with `sync: true` to force LevelDB to fsync its log. */
export const SYNC_MARKER = Buffer.from('\0sync', 'latin1');

/** Writes a tiny fsync'ed batch: everything written to the log before it becomes durable too. */
export function syncLog(db: NativeDb): Promise<void> {
  // An empty batch never reaches LevelDB (abstract-level returns early), so delete a reserved key.
  return db.batch([{ type: 'del', key: SYNC_MARKER }], { sync: true });
}

/** Deletes every key of `domain` (and, with `forget`, its recorded name); runs inside the write queue. */
export async function clearDomain(db: NativeDb, domain: string, strict: boolean, forget: boolean): Promise<void> {
  const prefix = domainPrefix(domain);
  // Not atomic in LevelDB, but serialized with every other write of the location by the queue.
  await db.clear({ gte: prefix, lt: prefixEnd(prefix) });
  if (forget) await db.batch([{ type: 'del', key: domainNameKey(domain) }], { sync: strict });
  else if (strict) await syncLog(db);
}

/** One domain of a LevelDB location: the keys under `<domain> 0x00`. */
export class LevelDomainBackend implements DomainBackend {
  readonly #domain: string;
  readonly #prefix: Buffer;
  readonly #lease: LocationLease;
  readonly #strict: boolean;
  readonly #durability: Durability;
  readonly #isClosed: () => boolean;
  readonly #behind: WriteBehind | undefined;
  /**
   * SPI `ownedReads`: classic-level's `getSync` copies each value into a Buffer of its own
   * (`napi_create_buffer_copy`), which nothing else references.
   */
  readonly ownedReads = true;
  /** The guard key core passes, prefixed, and the write epoch it was last found absent in (-1: none). */
  #guard: { readonly key: Bytes; readonly full: Buffer; absentIn: number } | undefined;
  /** `engine.guardPuts` when the migration guard was last found absent by a write (-1: not yet). */
  #guardAbsentAt = -1;

  /** `behind`: a `fast` domain's write-behind window (SPEC §9.2), used for blind transactions. */
  constructor(domain: string, lease: LocationLease, strict: boolean, isClosed: () => boolean, behind?: WriteBehind) {
    this.#domain = domain;
    this.#prefix = domainPrefix(domain);
    this.#lease = lease;
    this.#strict = strict;
    this.#durability = strict ? 'strict' : 'balanced';
    this.#isClosed = isClosed;
    this.#behind = behind;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    const db = this.#db();
    // getSync: ~1 µs against ~25-50 µs for a thread-pool round trip, and never stale since every
    // write of the location goes through this process's queue.
    try {
      return db.getSync(withPrefix(this.#prefix, key));
    } catch (error) {
      throw translateLevelError(error, 'get');
    }
  }

  /**
   * SPI `getSync`: classic-level 3.0.0 reads points synchronously (`getSync`) but has no synchronous
   * iterator, so this adapter offers `getSync` and not `readSync`. The guard is read after the value:
   * a batch of this process may land in between (LevelDB writes on its thread pool), and then a value
   * returned was read before the tombstone.
   */
  getSync(key: Bytes, guard?: WriteGuard): Bytes | undefined {
    const db = this.#db();
    try {
      const value = db.getSync(withPrefix(this.#prefix, key));
      if (guard !== undefined) this.#checkGuard(db, guard);
      return value;
    } catch (error) {
      throw translateLevelError(error, 'get');
    }
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    const db = this.#db();
    try {
      const only = keys.length === 1 ? keys[0] : undefined;
      if (only !== undefined) return [db.getSync(withPrefix(this.#prefix, only))];
      // On one explicit snapshot: getSync calls in a row may straddle a batch this process's queue is
      // writing on LevelDB's thread pool, and return half of a transaction.
      const snapshot = db.snapshot();
      try {
        return keys.map((key) => db.getSync(withPrefix(this.#prefix, key), { snapshot }));
      } finally {
        await snapshot.close();
      }
    } catch (error) {
      throw translateLevelError(error, 'getMany');
    }
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    const db = this.#db();
    if (range.limit !== undefined && range.limit <= 0) return;
    const strip = this.#prefix.length;
    const iterator = db.iterator(nativeRange(this.#prefix, range));
    try {
      // The first page is what the caller asked for, or small when unbounded (streams are often cut
      // short); pages grow after that.
      let size = Math.min(range.limit ?? 32, 1000);
      for (;;) {
        const page = await nextPage(iterator, size);
        if (page.length === 0) return;
        for (const [key, value] of page) yield [key.subarray(strip), value];
        size = Math.min(size * 4, 1000);
      }
    } finally {
      await iterator.close().catch(() => {});
    }
  }

  async count(range: ByteRange): Promise<number> {
    const db = this.#db();
    if (range.limit !== undefined && range.limit <= 0) return 0;
    const iterator = db.keys(nativeRange(this.#prefix, { ...range, reverse: false }));
    let total = 0;
    try {
      for (;;) {
        const page = await nextPage(iterator, 1000);
        if (page.length === 0) return total;
        total += page.length;
      }
    } finally {
      await iterator.close().catch(() => {});
    }
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    try {
      this.#db();
    } catch (error) {
      return Promise.reject(error);
    }
    // A blind write in a `fast` domain is acknowledged once queued; it commits like `balanced`.
    if (options?.blind === true && this.#behind !== undefined) {
      return this.#lease.queue.transact(this.#domain, 'fast', fn, { behind: this.#behind });
    }
    return this.#lease.queue.transact(this.#domain, this.#durability, fn);
  }

  /**
   * Durable counters (SPI fast path for a lone call). With the queue idle, exclusive work reads and
   * writes like a raw classic-level counter (see `loneCounters`); with writes queued, one transaction
   * in their group, so concurrent updates share one commit.
   */
  updateCounters(updates: readonly CounterUpdate[], guard?: WriteGuard): Promise<Bytes[]> {
    try {
      this.#db();
    } catch (error) {
      return Promise.reject(error);
    }
    const { queue, db, engine } = this.#lease;
    if (queue.idle) {
      return queue.exclusive(() =>
        loneCounters(db, engine, this.#prefix, this.#durability, updates, () => guard && this.#checkWriteGuard(db, guard)),
      );
    }
    // Others are queued: join their group (one commit for all).
    return queue.transact(this.#domain, this.#durability, (tx) => counterUpdatesInTx(tx, updates, guard));
  }

  async clear(guard?: WriteGuard): Promise<void> {
    this.#db();
    const db = this.#lease.db;
    await this.#lease.queue.exclusive(async () => {
      // The queue runs every write of the location: nothing can write the guard between this read and the clear.
      enforceWriteGuard(guard, (key) => db.getSync(withPrefix(this.#prefix, key)));
      await clearDomain(db, this.#domain, this.#strict, false);
    });
  }

  async sizeBytes(): Promise<number | undefined> {
    const db = this.#db();
    try {
      return await db.approximateSize(this.#prefix, prefixEnd(this.#prefix));
    } catch (error) {
      throw translateLevelError(error, 'sizeBytes');
    }
  }

  /**
   * Refuses as `guard` says when its key holds a value, inside the queue's exclusive work. The
   * migration guard is read again only once a batch has put it (the engine counts those puts): no
   * other process writes the location, and deletes cannot make an absent key present.
   */
  #checkWriteGuard(db: NativeDb, guard: WriteGuard): void {
    const puts = this.#lease.engine.guardPuts;
    const migration = isMigrationGuard(guard.key);
    if (migration && this.#guardAbsentAt === puts) return;
    const held = db.getSync(withPrefix(this.#prefix, guard.key));
    if (held !== undefined) throw guard.refuse(held);
    if (migration) this.#guardAbsentAt = puts;
  }

  /**
   * Refuses as `guard` says when its key holds a value. Only this process writes the location, and
   * only through its queue, so the read is skipped while no batch has been written since the key was
   * found absent (the engine's `writeEpoch`, odd while one is being written, is unchanged).
   */
  #checkGuard(db: NativeDb, guard: WriteGuard): void {
    const epoch = this.#lease.engine.writeEpoch;
    const absent = this.#guard;
    if (absent !== undefined && absent.key === guard.key && absent.absentIn === epoch && epoch % 2 === 0) return;
    const held = db.getSync(this.#guardKey(guard.key));
    if (held !== undefined) throw guard.refuse(held);
    (this.#guard as { absentIn: number }).absentIn = epoch;
  }

  /** The full (prefixed) key of a guard, kept for the guard key core passes every time. */
  #guardKey(key: Bytes): Buffer {
    if (this.#guard?.key !== key) this.#guard = { key, full: withPrefix(this.#prefix, key), absentIn: -1 };
    return this.#guard.full;
  }

  /** The native handle, or CLOSED once the owning store instance closed. */
  #db(): NativeDb {
    if (this.#isClosed()) throw new StoreError('CLOSED', `level: domain ${this.#domain} is closed`);
    return this.#lease.db;
  }
}

async function nextPage<T>(iterator: NativeIterator<T>, size: number): Promise<T[]> {
  try {
    return await iterator.nextv(size);
  } catch (error) {
    throw translateLevelError(error, 'range');
  }
}
