import type { ByteRange, Bytes, CounterUpdate, DomainBackend, SyncReader, TransactOptions, Tx, WriteGuard } from '../spi/backend.js';
import { counterUpdatesInTx } from '../spi/write-guard.js';
import { guardError, MOVED_KEY } from './migration-guard.js';

/** A hold a migration takes on a backend: reads and writes in this process wait until it is released. */
export interface WriteHold {
  /** Settles once every write that started before the hold has finished. */
  readonly drained: Promise<void>;
  /**
   * Lets the waiting writes go: to `forwardTo` when the domain moved (they, and every later call on
   * this backend, run there), or to this backend when the migration failed.
   */
  release(forwardTo?: GatedBackend): void;
}

const LONE: TransactOptions = Object.freeze({ lone: true });
const LONE_BLIND: TransactOptions = Object.freeze({ lone: true, blind: true });

/**
 * The backend every handle sees: the adapter's backend behind the migration guard (SPEC §9.1).
 * Every write transaction reads the guard key first and is refused (`MOVED` once the domain has
 * moved away, `BUSY` while a migration into it is incomplete) — one point read inside the
 * transaction, so a process that opened the domain long before a migration, in any process, cannot
 * write to a location that has been frozen. Reads check the guard after reading (in the same
 * `getMany` for point reads), so a read that returns data read it before the tombstone committed.
 * In the migrating process, reads and writes wait while the migration freezes and re-syncs the
 * domain (the source refuses them then), and then run on the new location.
 */
export class GatedBackend implements DomainBackend {
  /** The adapter's own backend. */
  readonly raw: DomainBackend;
  /** Whether the adapter's `updateCounters` and `clear` honour a guard (`capabilities.guardedWrites`). */
  readonly guardedWrites: boolean;
  readonly #domain: string;
  readonly #guard: WriteGuard;
  #forward: GatedBackend | undefined;
  #gate: Promise<void> | undefined;
  #inflight = 0;
  #onIdle: (() => void) | undefined;

  /** Present when the adapter's backend has it and honours guards; after a move it runs in the new location. */
  readonly updateCounters?: (updates: readonly CounterUpdate[]) => Promise<Bytes[]>;

  /**
   * The adapter's `updateCounterSync` with the guard, when it has one and honours guards; undefined
   * (nothing written: use `updateCounters`) while a migration of this process holds the backend or
   * after the domain moved.
   */
  readonly updateCounterSync?: (update: CounterUpdate) => Bytes | undefined;

  constructor(raw: DomainBackend, domain: string, guardedWrites: boolean) {
    this.raw = raw;
    this.#domain = domain;
    this.guardedWrites = guardedWrites;
    this.#guard = { key: MOVED_KEY, refuse: (value) => guardError(domain, value) };
    const native = raw.updateCounters?.bind(raw);
    if (native && guardedWrites) {
      this.updateCounters = (updates) =>
        this.#write(
          () => native(updates, this.#guard),
          (to) => (to.updateCounters ? to.updateCounters(updates) : to.transact((tx) => counterUpdatesInTx(tx, updates))),
        );
      const sync = raw.updateCounterSync?.bind(raw);
      // Done before it returns, so no write is in flight for a hold to drain.
      if (sync) this.updateCounterSync = (update) => (this.#forward || this.#gate ? undefined : sync(update, this.#guard));
    }
  }

  /**
   * Whether `getSync` can run now: the adapter reads points synchronously and no migration of this
   * process holds the backend (reads wait for it then: the async path).
   */
  get pointReadsSync(): boolean {
    if (this.#forward) return this.#forward.pointReadsSync;
    return this.#gate === undefined && (this.raw.getSync !== undefined || this.raw.readSync !== undefined);
  }

  /** Whether the values `getSync` returns are memory of their own (the adapter's `ownedReads`). */
  get ownedReads(): boolean {
    if (this.#forward) return this.#forward.ownedReads;
    return this.raw.ownedReads === true;
  }

  /**
   * Whether `bytes`, a value `getSync` returned, is memory of its own that a user may keep without a
   * copy (the adapter's `ownedReads`, or `ownedReadsFrom` for a value that large).
   */
  owns(bytes: Bytes): boolean {
    if (this.#forward) return this.#forward.owns(bytes);
    const from = this.raw.ownedReadsFrom;
    return this.raw.ownedReads === true || (from !== undefined && bytes.byteLength >= from);
  }

  /** Whether `readSync` can run now: as `pointReadsSync`, for adapters that read ranges synchronously too. */
  get readsSync(): boolean {
    if (this.#forward) return this.#forward.readsSync;
    return this.#gate === undefined && this.raw.readSync !== undefined;
  }

  /**
   * The value under `key`, read synchronously with the guard on one snapshot (only when
   * `pointReadsSync`): `MOVED`/`BUSY` when the guard holds a value.
   */
  getSync(key: Bytes): Bytes | undefined {
    if (this.#forward) return this.#forward.getSync(key);
    const { raw } = this;
    if (raw.getSync !== undefined) return raw.getSync(key, this.#guard);
    return raw.readSync?.((reader) => reader.get(key), this.#guard);
  }

  /**
   * `getSync` as a transient read where the adapter has one (SPI `getSyncTransient`): the bytes are
   * valid only until the next read of this process, and are never memory of their own. Only when
   * `pointReadsSync`.
   */
  getSyncTransient(key: Bytes): Bytes | undefined {
    if (this.#forward) return this.#forward.getSyncTransient(key);
    const { raw } = this;
    if (raw.getSyncTransient !== undefined && raw.ownedReads !== true) return raw.getSyncTransient(key, this.#guard);
    return this.getSync(key);
  }

  /** Whether `rangeSync` can run now: as `readsSync`, for adapters that read one range as one engine call. */
  get rangeReadsSync(): boolean {
    if (this.#forward) return this.#forward.rangeReadsSync;
    return this.#gate === undefined && this.raw.rangeSync !== undefined && this.raw.readSync !== undefined;
  }

  /** `range`'s entries, read synchronously with the guard on one snapshot (only when `rangeReadsSync`). */
  rangeSync(range: ByteRange): Array<[Bytes, Bytes]> {
    if (this.#forward) return this.#forward.rangeSync(range);
    return this.raw.rangeSync?.(range, this.#guard) ?? [];
  }

  /** Runs the reads of `fn` synchronously on one snapshot with the guard (only when `readsSync`). */
  readSync<T>(fn: (reader: SyncReader) => T): T {
    if (this.#forward) return this.#forward.readSync(fn);
    return this.raw.readSync?.(fn, this.#guard) as T;
  }

  /**
   * The adapter's `changeToken` while nothing of this process's migrations stands between: undefined
   * when the adapter has none, while a migration holds the backend, and once the domain moved away
   * (the new location's numbers are another backend's).
   */
  changeToken(): number | undefined {
    if (this.#forward !== undefined || this.#gate !== undefined) return undefined;
    return this.raw.changeToken?.();
  }

  /** Whether a migration holds this backend now. */
  get held(): boolean {
    return this.#gate !== undefined;
  }

  /** Whether the domain has moved away from this backend in this process. */
  get moved(): boolean {
    return this.#forward !== undefined;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    if (this.#gate) await this.#gate;
    if (this.#forward) return this.#forward.get(key);
    // With no hold in this process, a guard the synchronous read meets is final here: MOVED or BUSY.
    if (this.raw.getSync !== undefined && this.#gate === undefined) return this.raw.getSync(key, this.#guard);
    const [value, guard] = await this.raw.getMany([key, MOVED_KEY]);
    if (guard !== undefined) {
      if (this.#frozenHere) return this.get(key);
      throw guardError(this.#domain, guard);
    }
    return value;
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    if (this.#gate) await this.#gate;
    if (this.#forward) return this.#forward.getMany(keys);
    const values = await this.raw.getMany([...keys, MOVED_KEY]);
    const guard = values.pop();
    if (guard !== undefined) {
      if (this.#frozenHere) return this.getMany(keys);
      throw guardError(this.#domain, guard);
    }
    return values;
  }

  /** Streams the range; the guard is read once the scan ends (or is cut short), so no entry is silently missing. */
  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    if (this.#gate) await this.#gate;
    if (this.#forward) {
      yield* this.#forward.range(range);
      return;
    }
    let failed = false;
    try {
      yield* this.raw.range(range);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (!failed) await this.#checkGuard();
    }
  }

  async count(range: ByteRange): Promise<number> {
    if (this.#gate) await this.#gate;
    if (this.#forward) return this.#forward.count(range);
    const counted = await this.raw.count(range);
    const guard = await this.raw.get(MOVED_KEY);
    if (guard !== undefined) {
      if (this.#frozenHere) return this.count(range);
      throw guardError(this.#domain, guard);
    }
    return counted;
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    // Read before this write counts itself: no other write of this process is under way on the domain.
    const hinted = this.#inflight === 0 ? (options?.blind === true ? LONE_BLIND : LONE) : options;
    return this.#write(
      () =>
        this.raw.transact((tx) => {
          const guard = tx.get(MOVED_KEY);
          if (guard !== undefined) throw guardError(this.#domain, guard);
          return fn(tx);
        }, hinted),
      (to) => to.transact(fn, options),
    );
  }

  clear(): Promise<void> {
    return this.#write(
      async () => {
        // An adapter that cannot guard its clear still gets the check, though not atomically with it.
        if (!this.guardedWrites) await this.#checkGuard();
        return this.raw.clear(this.#guard);
      },
      (to) => to.clear(),
    );
  }

  async sizeBytes(): Promise<number | undefined> {
    const target = this.#forward ?? this.raw;
    return target.sizeBytes ? target.sizeBytes() : undefined;
  }

  /** Closes the gate: later writes of this process wait; `drained` settles when the ones under way are done. */
  hold(): WriteHold {
    if (this.#gate) throw new Error('a migration already holds this backend');
    let open!: () => void;
    this.#gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const drained = new Promise<void>((resolve) => {
      if (this.#inflight === 0) resolve();
      else this.#onIdle = resolve;
    });
    return {
      drained,
      release: (forwardTo) => {
        if (forwardTo) this.#forward = forwardTo;
        this.#gate = undefined;
        open();
      },
    };
  }

  /**
   * Whether a migration in this process holds or has moved this backend: a point read that met its
   * tombstone then runs again once the hold is released (on the new location, or here if it failed).
   */
  get #frozenHere(): boolean {
    return this.#gate !== undefined || this.#forward !== undefined;
  }

  async #checkGuard(): Promise<void> {
    const guard = await this.raw.get(MOVED_KEY);
    if (guard !== undefined) throw guardError(this.#domain, guard);
  }

  #write<T>(direct: () => Promise<T>, forwarded: (to: GatedBackend) => Promise<T>): Promise<T> {
    if (this.#forward) return forwarded(this.#forward);
    if (this.#gate) return this.#gate.then(() => this.#write(direct, forwarded));
    this.#inflight++;
    let pending: Promise<T>;
    try {
      pending = direct();
    } catch (err) {
      this.#done();
      return Promise.reject(err);
    }
    // Not `finally`: it settles two microtask steps (and two promises) later than `then`.
    return pending.then(
      (value) => {
        this.#done();
        return value;
      },
      (err: unknown) => {
        this.#done();
        throw err;
      },
    );
  }

  #done(): void {
    if (--this.#inflight === 0 && this.#onIdle) {
      const idle = this.#onIdle;
      this.#onIdle = undefined;
      idle();
    }
  }
}
