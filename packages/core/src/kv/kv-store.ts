import { defaultCodec } from '../codec/index.js';
import { decodeKey, encodeKey, encodeKeyPooled, rangeToBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { failedWith, settledWith } from '../runtime/settled.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard, toStoreError } from '../runtime/to-store-error.js';
import type { ByteRange, Tx } from '../spi/backend.js';
import type { Codec, CounterOp, DomainStore, Key, Range, TupleCounterOps } from '../types.js';
import { BufferedCounters } from './buffered-counters.js';
import { applyCounterOp, type NormalizedCounterOp, normalizeCounterOp } from './counter-op.js';
import { afterPage, nextPage } from './read-pages.js';
import { applyTupleOps, normalizeTupleOps } from './tuple-counter.js';
import { counterValue, decodeValue, encodeCounter, encodeTuple, encodeValue, isCounter, tupleValue } from './value-envelope.js';

/** The `kv` handle: resolves its domain's route on every call, so it follows `configureDomain`. */
export class KvStore<V> implements DomainStore<V> {
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #codec: Codec<V>;

  constructor(ctx: StoreContext, domain: string, codec?: Codec<V>) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#codec = codec ?? (defaultCodec as Codec<V>);
  }

  get(key: Key): Promise<V | undefined> {
    try {
      const k = encodeKeyPooled(key);
      const d = this.#ready();
      // One synchronous read (value and migration guard on one snapshot) and one settled promise.
      if (d?.backend.pointReadsSync && !this.#buffered(d)) {
        const bytes = d.backend.getSync(k);
        return settledWith(bytes === undefined ? undefined : decodeValue(this.#codec, bytes));
      }
      return this.#getAsync(k, d);
    } catch (err) {
      return failedWith(toStoreError(err));
    }
  }

  async #getAsync(k: Uint8Array, ready: OpenDomain | undefined): Promise<V | undefined> {
    try {
      const d = ready ?? (await this.#readable());
      const bytes = await d.backend.get(k);
      if (this.#buffered(d)) return await this.#decodeWithPending(d, k, bytes);
      return bytes === undefined ? undefined : decodeValue(this.#codec, bytes);
    } catch (err) {
      throw toStoreError(err);
    }
  }

  getMany(keys: readonly Key[]): Promise<Array<V | undefined>> {
    try {
      const encoded = keys.map((k) => encodeKeyPooled(k));
      const d = this.#ready();
      if (d?.backend.readsSync && !this.#buffered(d)) {
        const values = d.backend.readSync((reader) => reader.getMany(encoded));
        const out: Array<V | undefined> = new Array(values.length);
        for (let i = 0; i < values.length; i++) {
          const bytes = values[i];
          out[i] = bytes === undefined ? undefined : decodeValue(this.#codec, bytes);
        }
        return settledWith(out);
      }
      return this.#getManyAsync(encoded, d);
    } catch (err) {
      return failedWith(toStoreError(err));
    }
  }

  async #getManyAsync(encoded: Uint8Array[], ready: OpenDomain | undefined): Promise<Array<V | undefined>> {
    try {
      const d = ready ?? (await this.#readable());
      const values = await d.backend.getMany(encoded);
      const out: Array<V | undefined> = [];
      for (let i = 0; i < values.length; i++) {
        const bytes = values[i];
        if (this.#buffered(d)) out.push(await this.#decodeWithPending(d, encoded[i] as Uint8Array, bytes));
        else out.push(bytes === undefined ? undefined : decodeValue(this.#codec, bytes));
      }
      return out;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async has(key: Key): Promise<boolean> {
    try {
      const k = encodeKeyPooled(key);
      const d = this.#ready() ?? (await this.#readable());
      if (d.backend.pointReadsSync) {
        if (d.backend.getSync(k) !== undefined) return true;
      } else if ((await d.backend.get(k)) !== undefined) return true;
      return this.#buffered(d) ? (await this.#counters(d).pendingDelta(k)) !== 0 : false;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async put(key: Key, value: V): Promise<void> {
    try {
      const k = encodeKey(key);
      const d = this.#opened() ?? (await this.#resolve());
      const v = encodeValue(this.#codec, value, d.options.maxValueBytes);
      await this.#write(d, (tx) => tx.put(k, v));
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async putMany(entries: ReadonlyArray<readonly [Key, V]>): Promise<void> {
    try {
      const d = this.#opened() ?? (await this.#resolve());
      // Everything is encoded and checked before the transaction starts: one bad entry writes nothing.
      const encoded = entries.map(([key, value]) => [encodeKey(key), encodeValue(this.#codec, value, d.options.maxValueBytes)] as const);
      if (encoded.length === 0) return;
      await this.#write(d, (tx) => {
        for (const [k, v] of encoded) tx.put(k, v);
      });
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async delete(key: Key): Promise<boolean> {
    try {
      const k = encodeKey(key);
      const d = this.#opened() ?? (await this.#resolve());
      return await this.#write(d, (tx) => {
        const existed = tx.get(k) !== undefined;
        if (existed) tx.del(k);
        return existed;
      });
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async deleteMany(keys: readonly Key[]): Promise<number> {
    try {
      const encoded = keys.map((k) => encodeKey(k));
      const d = this.#opened() ?? (await this.#resolve());
      if (encoded.length === 0) return 0;
      return await this.#write(d, (tx) => {
        let removed = 0;
        for (const k of encoded) {
          if (tx.get(k) === undefined) continue;
          tx.del(k);
          removed++;
        }
        return removed;
      });
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async *entries(range?: Range): AsyncIterable<[Key, V]> {
    try {
      const bytesRange = rangeToBytes(range);
      const d = this.#ready() ?? (await this.#readable());
      let window: ByteRange | undefined = bytesRange;
      // Pages read synchronously, each on one snapshot with the guard: no iterator below this one.
      // Checked per page: a migration of this process may hold the backend by the next one.
      while (window !== undefined && d.backend.readsSync) {
        const page = nextPage(window);
        const rows = d.backend.readSync((reader) => reader.range(page));
        for (const [k, v] of rows) yield [decodeKey(k), decodeValue(this.#codec, v)];
        window = afterPage(window, page, rows);
      }
      if (window === undefined) return;
      for await (const [k, v] of d.backend.range(window)) yield [decodeKey(k), decodeValue(this.#codec, v)];
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async *keys(range?: Range): AsyncIterable<Key> {
    for await (const [key] of this.entries(range)) yield key;
  }

  count(range?: Range): Promise<number> {
    return guard(async () => {
      const bytesRange = rangeToBytes(range);
      const d = await this.#readable();
      return d.backend.count(bytesRange);
    });
  }

  clear(): Promise<void> {
    return guard(async () => {
      const d = await this.#resolve();
      await this.#ctx.kinds.checkRead(d.backend, d.domain, 'kv');
      await this.#ctx.flushState(d.backend);
      await d.backend.clear();
      // clear() removed the kind record with everything else; write it back so the domain stays kv.
      this.#ctx.kinds.forget(d.backend);
      await this.#write(d, () => {});
    });
  }

  updateCounter(key: Key, op: CounterOp): Promise<number>;
  updateCounter(key: Key, ops: TupleCounterOps): Promise<number[]>;
  updateCounter(key: Key, op: CounterOp | TupleCounterOps): Promise<number | number[]> {
    if (Array.isArray(op)) return this.#updateTuple(key, op as TupleCounterOps);
    return this.updateCounters([[key, op as CounterOp]]).then((results) => results[0] as number);
  }

  /**
   * A tuple counter update runs in one transaction of its own, in every counter mode: its positions
   * change together or not at all (pending buffered increments are written first, by `#write`).
   */
  #updateTuple(key: Key, ops: TupleCounterOps): Promise<number[]> {
    return guard(async () => {
      const k = encodeKey(key);
      const normalized = normalizeTupleOps(ops);
      const d = await this.#resolve();
      return this.#write(d, (tx) => {
        const { tuple, results } = applyTupleOps(tupleValue(tx.get(k)), normalized);
        tx.put(k, encodeTuple(tuple));
        return results;
      });
    });
  }

  updateCounters(ops: ReadonlyArray<readonly [Key, CounterOp]>): Promise<number[]> {
    return guard(async () => {
      // Counted before the first await, so every call of a burst sees the others.
      const calls = counterCalls(this.#ctx, this.#domain);
      calls.enter();
      try {
        const normalized = ops.map(([key, op]) => [encodeKey(key), normalizeCounterOp(op)] as const);
        const d = await this.#resolve();
        if (normalized.length === 0) return [];
        if (this.#buffered(d)) {
          if (normalized.every(([, op]) => !op.bounded)) {
            await this.#ctx.kinds.checkRead(d.backend, d.domain, 'kv');
            return this.#counters(d).add(normalized.map(([k, op]) => [k, op.by] as const));
          }
          // Bounded ops need the exact stored value: write what is pending, then run durably.
          await this.#counters(d).flush();
        }
        return await this.#durableCounters(d, normalized, calls.lone);
      } finally {
        calls.leave();
      }
    });
  }

  flushCounters(): Promise<void> {
    return guard(async () => {
      const d = await this.#resolve();
      if (this.#buffered(d)) await this.#counters(d).flush();
    });
  }

  /** The domain when it is already open: no await on the hot path. */
  #opened(): OpenDomain | undefined {
    const d = this.#ctx.resolve(this.#domain);
    return d instanceof Promise ? undefined : d;
  }

  /** The domain when it is open and known to hold kv: reads need no kind check then. */
  #ready(): OpenDomain | undefined {
    const d = this.#opened();
    return d && this.#ctx.kinds.isKnown(d.backend, 'kv') ? d : undefined;
  }

  async #resolve(): Promise<OpenDomain> {
    return this.#ctx.resolve(this.#domain);
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'kv');
  }

  async #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    if (this.#buffered(d) && this.#counters(d).dirty) await this.#counters(d).flush();
    return this.#ctx.write(d, 'kv', fn);
  }

  async #decodeWithPending(d: OpenDomain, key: Uint8Array, bytes: Uint8Array | undefined): Promise<V | undefined> {
    if (this.#buffered(d) && (bytes === undefined || isCounter(bytes))) {
      const delta = await this.#counters(d).pendingDelta(key);
      if (delta !== 0) return (counterValue(bytes) + delta) as V;
    }
    return bytes === undefined ? undefined : decodeValue(this.#codec, bytes);
  }

  #buffered(d: OpenDomain): boolean {
    return d.options.counters === 'buffered';
  }

  /**
   * Durable counter ops: through the backend's native `updateCounters` when it has one, the call is
   * alone (concurrent calls go through `transact` so they share one commit) and the domain's kind is
   * recorded already (the first write records it in the transaction); else in a transaction.
   */
  async #durableCounters(d: OpenDomain, ops: ReadonlyArray<readonly [Uint8Array, NormalizedCounterOp]>, lone: boolean): Promise<number[]> {
    if (lone && d.backend.updateCounters !== undefined && this.#ctx.kinds.isKnown(d.backend, 'kv')) {
      if (this.#buffered(d) && this.#counters(d).dirty) await this.#counters(d).flush();
      const stored = await d.backend.updateCounters(ops.map(([key, op]) => ({ key, by: op.by, bounded: op.bounded })));
      return stored.map((bytes) => counterValue(bytes));
    }
    return this.#write(d, (tx) => ops.map(([k, op]) => applyDurable(tx, k, op)));
  }

  #counters(d: OpenDomain): BufferedCounters {
    return this.#ctx.state(d.backend, 'counters', () => new BufferedCounters(d.backend, d.options.counterFlushMs));
  }
}

/** Durable counter calls in progress on one domain of one store. */
class CounterCalls {
  #n = 0;
  /** Whether the caller is the only call in progress. */
  get lone(): boolean {
    return this.#n === 1;
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
function applyDurable(tx: Tx, key: Uint8Array, op: NormalizedCounterOp): number {
  const next = applyCounterOp(counterValue(tx.get(key)), op);
  tx.put(key, encodeCounter(next));
  return next;
}
