import { encodeKey, encodeKeyTransient, ownedKey } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { failedWith, settledWith } from '../runtime/settled.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard, toStoreError } from '../runtime/to-store-error.js';
import type { CounterUpdate, TransactOptions, Tx } from '../spi/backend.js';
import type { CounterOp, Key, PutOptions, TupleCounterOps } from '../types.js';
import type { BufferedCounters } from './buffered-counters.js';
import { applyCounterOp, type NormalizedCounterOp, normalizeCounterOp } from './counter-op.js';
import { ttlDomain, ttlOfWrite } from './ttl.js';
import { counterRecord, TTL_TAG, unwrapTtl } from './ttl-record.js';
import { applyTupleOps, normalizeTupleOps } from './tuple-counter.js';
import { counterValue, encodeCounter, encodeTuple, tupleValue } from './value-envelope.js';

/** What a kv handle lends its counter operations: its domain and its write path. */
export interface CounterHost {
  readonly ctx: StoreContext;
  readonly domain: string;
  /** The domain when it is already open (no await), else undefined. */
  opened(): OpenDomain | undefined;
  /** The domain, opened if need be. */
  resolve(): Promise<OpenDomain>;
  /** Whether the domain buffers counter increments. */
  buffered(d: OpenDomain): boolean;
  /** The domain's buffered counters. */
  counters(d: OpenDomain): BufferedCounters;
  /** The handle's write (pending buffered increments first). */
  write<T>(d: OpenDomain, fn: (tx: Tx) => T, options?: TransactOptions): Promise<T>;
  /** The handle's write of TTL records (records the domain's TTL marker the first time). */
  writeTtl<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T>;
}

/**
 * A kv handle's counter operations (`updateCounter`, `updateCounters`, `flushCounters`): single,
 * tuple and buffered counters, with the hot path of a lone durable increment.
 */
export class KvCounters {
  readonly #host: CounterHost;
  readonly #ctx: StoreContext;
  readonly #domain: string;

  constructor(host: CounterHost) {
    this.#host = host;
    this.#ctx = host.ctx;
    this.#domain = host.domain;
  }

  /** `DomainStore.updateCounter`. */
  update(key: Key, op: CounterOp | TupleCounterOps, options?: PutOptions): Promise<number | number[]> {
    if (Array.isArray(op)) return this.#updateTuple(key, op as TupleCounterOps, options);
    if (options === undefined && typeof op === 'number') {
      const lone = this.#loneCounter(key, op);
      if (lone !== undefined) return lone;
    }
    return this.updateMany([[key, op as CounterOp]], options).then((results) => results[0] as number);
  }

  /**
   * A plain increment, alone, on an open durable domain whose backend counts natively (the hot path of
   * `updateCounter`): the backend's promise with one step after it, without the async layers of
   * `updateMany` (about a fifth of a LevelDB counter's time). Undefined when any condition fails.
   */
  #loneCounter(key: Key, by: number): Promise<number> | undefined {
    let d: OpenDomain | undefined;
    try {
      d = this.#host.opened();
    } catch {
      return undefined; // closed, say: the general path rejects with the error
    }
    if (d === undefined || this.#host.buffered(d) || d.options.ttlMs !== undefined) return undefined;
    const native = d.backend.updateCounters;
    if (native === undefined || !this.#ctx.kinds.isKnown(d.backend, 'kv') || ttlDomain(this.#ctx, d).known) return undefined;
    const calls = counterCalls(this.#ctx, this.#domain);
    if (!calls.idle) return undefined;
    let update: CounterUpdate;
    try {
      // A view of the scratch area: the synchronous commit below binds it and keeps nothing.
      update = { key: encodeKeyTransient(key), by: normalizeCounterOp(by).by, bounded: undefined };
    } catch (err) {
      return failedWith(toStoreError(err));
    }
    const sync = d.backend.updateCounterSync;
    if (sync !== undefined) {
      let stored: Uint8Array | undefined;
      try {
        stored = sync.call(d.backend, update);
      } catch (err) {
        return this.#loneRefused(key, by, err);
      }
      // Committed already: a settled promise, which the observer counts without chaining on it.
      if (stored !== undefined) return settledWith(counterValue(stored[0] === TTL_TAG ? unwrapTtl(stored) : stored));
    }
    // The commit is asynchronous: the key must outlive the next encoding.
    update = { key: ownedKey(update.key), by: update.by, bounded: undefined };
    calls.enter();
    return native.call(d.backend, [update]).then(
      (stored) => {
        calls.leave();
        const bytes = stored[0] as Uint8Array;
        return counterValue(bytes[0] === TTL_TAG ? unwrapTtl(bytes) : bytes);
      },
      (err: unknown) => {
        calls.leave();
        return this.#loneRefused(key, by, err);
      },
    );
  }

  /** As in #durableCounters: a native refusal (a TTL record it does not know) goes to the transaction path. */
  #loneRefused(key: Key, by: number, err: unknown): Promise<number> {
    if (toStoreError(err).code !== 'INVALID_VALUE') return Promise.reject(toStoreError(err));
    return this.updateMany([[key, by]], undefined).then((results) => results[0] as number);
  }

  /**
   * A tuple counter update runs in one transaction of its own, in every counter mode: its positions
   * change together or not at all (pending buffered increments are written first, by the host's `write`).
   */
  #updateTuple(key: Key, ops: TupleCounterOps, options: PutOptions | undefined): Promise<number[]> {
    return guard(async () => {
      const k = encodeKey(key);
      const normalized = normalizeTupleOps(ops);
      const d = await this.#host.resolve();
      const ttl = ttlOfWrite(options, d.options.ttlMs as number | undefined);
      const now = Date.now();
      const run = (tx: Tx): number[] => {
        const { current, rewrap } = counterRecord(tx.get(k), now, ttl);
        const { tuple, results } = applyTupleOps(tupleValue(current), normalized);
        tx.put(k, rewrap(encodeTuple(tuple)));
        return results;
      };
      return ttl === undefined ? this.#host.write(d, run) : this.#host.writeTtl(d, run);
    });
  }

  /**
   * Counter updates. A TTL (the call's, else in durable mode the domain's) applies to counters the
   * call creates; in buffered mode an update with its own TTL runs durably, as a bounded one does.
   */
  updateMany(ops: ReadonlyArray<readonly [Key, CounterOp]>, options: PutOptions | undefined): Promise<number[]> {
    return guard(async () => {
      // Counted before the first await, so every call of a burst sees the others.
      const calls = counterCalls(this.#ctx, this.#domain);
      calls.enter();
      try {
        const normalized = ops.map(([key, op]) => [encodeKey(key), normalizeCounterOp(op)] as const);
        const d = await this.#host.resolve();
        const ttl = ttlOfWrite(options, this.#host.buffered(d) ? undefined : (d.options.ttlMs as number | undefined));
        if (normalized.length === 0) return [];
        if (this.#host.buffered(d)) {
          if (ttl === undefined && normalized.every(([, op]) => !op.bounded)) {
            await this.#ctx.kinds.checkRead(d.backend, d.domain, 'kv');
            return this.#host.counters(d).add(normalized.map(([k, op]) => [k, op.by] as const));
          }
          // Bounded ops need the exact stored value: write what is pending, then run durably.
          await this.#host.counters(d).flush();
        }
        return await this.#durableCounters(d, normalized, calls.lone, ttl);
      } finally {
        calls.leave();
      }
    });
  }

  /** `DomainStore.flushCounters`. */
  flush(): Promise<void> {
    return guard(async () => {
      const d = await this.#host.resolve();
      if (this.#host.buffered(d)) await this.#host.counters(d).flush();
    });
  }

  /**
   * Durable counter ops: through the backend's native `updateCounters` when it has one, the call is
   * alone (concurrent calls go through `transact` so they share one commit) and the domain's kind is
   * recorded already (the first write records it in the transaction); else in a transaction.
   */
  async #durableCounters(
    d: OpenDomain,
    ops: ReadonlyArray<readonly [Uint8Array, NormalizedCounterOp]>,
    lone: boolean,
    ttl: number | undefined,
  ): Promise<number[]> {
    const ttlState = ttlDomain(this.#ctx, d);
    if (
      lone &&
      ttl === undefined &&
      !ttlState.known &&
      d.backend.updateCounters !== undefined &&
      this.#ctx.kinds.isKnown(d.backend, 'kv')
    ) {
      if (this.#host.buffered(d) && this.#host.counters(d).dirty) await this.#host.counters(d).flush();
      try {
        const stored = await d.backend.updateCounters(ops.map(([key, op]) => ({ key, by: op.by, bounded: op.bounded })));
        return stored.map((bytes) => counterValue(bytes[0] === TTL_TAG ? unwrapTtl(bytes) : bytes));
      } catch (err) {
        // A native counter statement that does not know TTL records (PostgreSQL's) refuses one another
        // process wrote; it wrote nothing, so the transaction below (which knows them) decides.
        if (toStoreError(err).code !== 'INVALID_VALUE') throw err;
      }
    }
    const now = Date.now();
    const run = (tx: Tx): number[] => ops.map(([k, op]) => applyDurable(tx, k, op, now, ttl));
    return ttl === undefined ? this.#host.write(d, run) : this.#host.writeTtl(d, run);
  }
}

/** Durable counter calls in progress on one domain of one store. */
class CounterCalls {
  #n = 0;
  /** Whether the caller is the only call in progress. */
  get lone(): boolean {
    return this.#n === 1;
  }
  /** Whether no call is in progress. */
  get idle(): boolean {
    return this.#n === 0;
  }
  enter(): void {
    this.#n++;
  }
  leave(): void {
    this.#n--;
  }
}

const counterCallsByStore = new WeakMap<StoreContext, Map<string, CounterCalls>>();

function counterCalls(ctx: StoreContext, domain: string): CounterCalls {
  let byDomain = counterCallsByStore.get(ctx);
  if (!byDomain) {
    byDomain = new Map();
    counterCallsByStore.set(ctx, byDomain);
  }
  let calls = byDomain.get(domain);
  if (!calls) {
    calls = new CounterCalls();
    byDomain.set(domain, calls);
  }
  return calls;
}

/** One durable counter op inside a transaction: reads through earlier ops of the same transaction. */
function applyDurable(tx: Tx, key: Uint8Array, op: NormalizedCounterOp, now: number, ttl: number | undefined): number {
  const { current, rewrap } = counterRecord(tx.get(key), now, ttl);
  const next = applyCounterOp(counterValue(current), op);
  tx.put(key, rewrap(encodeCounter(next)));
  return next;
}
