import { isStoreError, StoreError } from '../errors.js';
import type { DomainBackend } from '../spi/backend.js';
import { byteId } from '../spi/bounds.js';
import { counterValue, encodeCounter } from './value-envelope.js';

// Keys per flush transaction.
const FLUSH_CHUNK = 200;

interface Pending {
  readonly key: Uint8Array;
  /** The stored value read on this key's first update since the last flush. */
  base?: number;
  readonly loading: Promise<number>;
  delta: number;
}

/**
 * Buffered counters of one domain (`counters: 'buffered'`): increments accumulate in memory and are
 * written in one transaction by `flush()`, which runs every `flushMs`, on `sync()` and on `close()`.
 * A crash loses the increments made since the last flush.
 */
export class BufferedCounters {
  readonly #backend: DomainBackend;
  readonly #flushMs: number;
  #pending = new Map<string, Pending>();
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Set once a flush was refused because the domain moved: later increments are refused too. */
  #moved: StoreError | undefined;

  constructor(backend: DomainBackend, flushMs: number) {
    this.#backend = backend;
    this.#flushMs = flushMs;
  }

  /** Whether any increment waits to be written. */
  get dirty(): boolean {
    return this.#pending.size > 0;
  }

  /** The pending (unflushed) increment of a key, 0 when none. */
  async pendingDelta(key: Uint8Array): Promise<number> {
    if (this.#flushing) await this.#flushing;
    return this.#pending.get(byteId(key))?.delta ?? 0;
  }

  /** Adds increments to several keys at once (all or none); returns each key's new value. */
  async add(ops: ReadonlyArray<readonly [Uint8Array, number]>): Promise<number[]> {
    if (this.#moved) throw this.#moved;
    for (;;) {
      const entries = ops.map(([key]) => this.#entry(key));
      for (const e of entries) e.base ??= await e.loading;
      // A flush may have taken an entry while we awaited its base: start again with fresh entries.
      if (entries.some((e, i) => this.#pending.get(byteId((ops[i] as [Uint8Array, number])[0])) !== e)) continue;
      const results: number[] = [];
      const deltas = new Map<Pending, number>();
      for (let i = 0; i < ops.length; i++) {
        const e = entries[i] as Pending;
        const delta = (deltas.get(e) ?? e.delta) + (ops[i] as [Uint8Array, number])[1];
        const next = (e.base as number) + delta;
        if (!Number.isSafeInteger(next)) throw new StoreError('INVALID_VALUE', `counter would leave the safe-integer range (${next})`);
        deltas.set(e, delta);
        results.push(next);
      }
      for (const [e, delta] of deltas) e.delta = delta;
      this.#schedule();
      return results;
    }
  }

  /** Writes every pending increment in one transaction. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    const batch: Pending[] = [];
    for (const [k, e] of this.#pending) {
      if (e.base === undefined) continue; // still loading: its first update has not applied yet
      this.#pending.delete(k);
      if (e.delta !== 0) batch.push(e);
    }
    if (batch.length === 0) return;
    this.#flushing = this.#writeInChunks(batch);
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the flush timer (the store is closing; it flushes explicitly). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Writes a flush in transactions of at most FLUSH_CHUNK keys: backends that fetch each key a
   * transaction reads before running it again (PostgreSQL) would otherwise re-run it once per key.
   */
  async #writeInChunks(batch: Pending[]): Promise<void> {
    for (let i = 0; i < batch.length; i += FLUSH_CHUNK) {
      try {
        await this.#write(batch.slice(i, i + FLUSH_CHUNK));
      } catch (err) {
        this.#restore(batch.slice(i + FLUSH_CHUNK));
        throw err;
      }
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    try {
      await this.#backend.transact((tx) => {
        for (const e of batch) {
          const next = counterValue(tx.get(e.key)) + e.delta;
          if (!Number.isSafeInteger(next)) throw new StoreError('INVALID_VALUE', `counter would leave the safe-integer range (${next})`);
          tx.put(e.key, encodeCounter(next));
        }
      });
    } catch (err) {
      // The domain moved (SPEC §9.1): the pending increments stay here, refused; none reaches the old location.
      if (isStoreError(err, 'MOVED')) this.#moved = err;
      this.#restore(batch);
      throw err;
    }
  }

  /** Puts unwritten increments back so a later flush can retry them. */
  #restore(batch: Pending[]): void {
    for (const e of batch) {
      const k = byteId(e.key);
      const current = this.#pending.get(k);
      if (current) current.delta += e.delta;
      else this.#pending.set(k, e);
    }
    this.#schedule();
  }

  #entry(key: Uint8Array): Pending {
    const k = byteId(key);
    let e = this.#pending.get(k);
    if (!e) {
      const loading = this.#loadBase(key);
      const created: Pending = { key, loading, delta: 0 };
      loading.catch(() => {
        if (this.#pending.get(k) === created) this.#pending.delete(k);
      });
      e = created;
      this.#pending.set(k, e);
    }
    return e;
  }

  async #loadBase(key: Uint8Array): Promise<number> {
    while (this.#flushing) await this.#flushing;
    return counterValue(await this.#backend.get(key));
  }

  #schedule(): void {
    if (this.#timer || this.#pending.size === 0 || this.#moved) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => this.#schedule());
    }, this.#flushMs);
    this.#timer.unref();
  }
}
