import { applyCounterUpdate } from '../kv/counter-op.js';
import type { ByteRange, Bytes, CounterUpdate, DomainBackend, Tx } from '../spi/backend.js';

/** A hold a migration takes on a backend: writes wait until it is released. */
export interface WriteHold {
  /** Settles once every write that started before the hold has finished. */
  readonly drained: Promise<void>;
  /**
   * Lets the waiting writes go: to `forwardTo` when the domain moved (they, and every later call on
   * this backend, run there), or to this backend when the migration failed.
   */
  release(forwardTo?: DomainBackend): void;
}

/**
 * The backend every handle sees: the adapter's backend plus the per-domain write gate migrations use.
 * With no migration running a write costs one counter update; reads pass straight through. Once the
 * domain has moved, a handle still holding this backend (taken before the switch) is forwarded to
 * the new one, so nothing it does lands in the old location.
 */
export class GatedBackend implements DomainBackend {
  /** The adapter's own backend. */
  readonly raw: DomainBackend;
  #forward: DomainBackend | undefined;
  #gate: Promise<void> | undefined;
  #inflight = 0;
  #onIdle: (() => void) | undefined;

  /** Present when the adapter's backend has it; after a move it runs in the new location. */
  readonly updateCounters?: (updates: readonly CounterUpdate[]) => Promise<Bytes[]>;

  constructor(raw: DomainBackend) {
    this.raw = raw;
    const native = raw.updateCounters?.bind(raw);
    if (native) {
      this.updateCounters = (updates) =>
        this.#write(
          () => native(updates),
          (to) => (to.updateCounters ? to.updateCounters(updates) : to.transact((tx) => updates.map((u) => counterInTx(tx, u)))),
        );
    }
  }

  /** The backend calls go to now: the raw one, or the new location after a migration. */
  get #target(): DomainBackend {
    return this.#forward ?? this.raw;
  }

  /** Whether a migration holds this backend now. */
  get held(): boolean {
    return this.#gate !== undefined;
  }

  /** Whether the domain has moved away from this backend in this process. */
  get moved(): boolean {
    return this.#forward !== undefined;
  }

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.#target.get(key);
  }

  getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    return this.#target.getMany(keys);
  }

  range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    return this.#target.range(range);
  }

  count(range: ByteRange): Promise<number> {
    return this.#target.count(range);
  }

  transact<T>(fn: (tx: Tx) => T): Promise<T> {
    return this.#write(
      () => this.raw.transact(fn),
      (to) => to.transact(fn),
    );
  }

  clear(): Promise<void> {
    return this.#write(
      () => this.raw.clear(),
      (to) => to.clear(),
    );
  }

  async sizeBytes(): Promise<number | undefined> {
    const target = this.#target;
    return target.sizeBytes ? target.sizeBytes() : undefined;
  }

  /** Closes the gate: later writes wait; `drained` settles when the ones under way are done. */
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

  #write<T>(direct: () => Promise<T>, forwarded: (to: DomainBackend) => Promise<T>): Promise<T> {
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
    return pending.finally(() => this.#done());
  }

  #done(): void {
    if (--this.#inflight === 0 && this.#onIdle) {
      const idle = this.#onIdle;
      this.#onIdle = undefined;
      idle();
    }
  }
}

function counterInTx(tx: Tx, update: CounterUpdate): Bytes {
  const next = applyCounterUpdate(tx.get(update.key), update);
  tx.put(update.key, next);
  return next;
}
