import { defaultCodec } from '../codec/index.js';
import { DECODE_COPIES } from '../codec/tagged.js';
import { decodeKey, encodeKey, encodeKeyPooled, encodeKeyTransient, ownedKey, rangeToBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { failedWith, settledWith } from '../runtime/settled.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard, toStoreError } from '../runtime/to-store-error.js';
import type { ByteRange, TransactOptions, Tx } from '../spi/backend.js';
import type { Codec, CounterOp, DomainStore, Key, KvReader, PutOptions, Range, TupleCounterOps } from '../types.js';
import { BufferedCounters } from './buffered-counters.js';
import { KvCounters } from './kv-counters.js';
import { FirstRead, replayRead, SyncKvReader } from './kv-read.js';
import { afterPage, nextPage } from './read-pages.js';
import { countLive, rangeAfter, sweepExpired, type TtlDomain, ttlDomain, ttlOfWrite } from './ttl.js';
import { liveAt, liveRecord, TTL_MARKER_KEY, TTL_TAG, unwrapTtl, withTtl } from './ttl-record.js';
import { counterValue, decodeValue, encodeValue, isCounter } from './value-envelope.js';

/** `put` and `putMany` write fixed bytes whatever is stored: a `fast` domain acknowledges them once queued (SPEC §9.2). */
const BLIND: TransactOptions = { blind: true };

/** Writes the first `n` keys and values (kept in two arrays: no pair per entry). */
function putAll(tx: Tx, keys: readonly Uint8Array[], values: readonly Uint8Array[], n: number): void {
  for (let i = 0; i < n; i++) tx.put(keys[i] as Uint8Array, values[i] as Uint8Array);
}

/** The `kv` handle: resolves its domain's route on every call, so it follows `configureDomain`. */
export class KvStore<V> implements DomainStore<V> {
  /** The last `readToken` under which the domain was found to hold no TTL marker. */
  #untimedAt: number | undefined;
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #codec: Codec<V>;
  readonly #counterOps: KvCounters;
  /** Whether the codec keeps nothing of the bytes it decodes (a built-in one): `get` may then read transiently. */
  readonly #decodeCopies: boolean;
  /** What `#ready` found last (an open kv domain), and `ctx.routing` when it did. */
  #readyDomain: OpenDomain | undefined;
  #readyAt = -1;

  constructor(ctx: StoreContext, domain: string, codec?: Codec<V>) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#codec = codec ?? (defaultCodec as Codec<V>);
    this.#decodeCopies = (this.#codec as Partial<Record<typeof DECODE_COPIES, boolean>>)[DECODE_COPIES] === true;
    this.#counterOps = new KvCounters({
      ctx,
      domain,
      opened: () => this.#opened(),
      resolve: () => this.#resolve(),
      buffered: (d) => this.#buffered(d),
      counters: (d) => this.#counters(d),
      write: (d, fn, options) => this.#write(d, fn, options),
      writeTtl: (d, fn) => this.#writeTtl(d, fn),
    });
  }

  get(key: Key): Promise<V | undefined> {
    try {
      // A view of the key encoder's scratch area: no allocation for the synchronous read, which keeps
      // nothing of it (a refresh copies it); the async path, which awaits, takes a copy.
      const k = encodeKeyTransient(key);
      const d = this.#ready();
      // One synchronous read (value and migration guard on one snapshot) and one settled promise. A
      // codec that copies what it keeps decodes the engine's own memory (lmdb's read buffer) at once,
      // before any other read can reuse it: nothing in between reads (`#alive` reads the record only).
      if (d?.backend.pointReadsSync && !this.#buffered(d)) {
        let bytes = this.#decodeCopies ? d.backend.getSyncTransient(k) : d.backend.getSync(k);
        if (bytes !== undefined && bytes[0] === TTL_TAG && !this.#alive(d, k, bytes)) bytes = undefined;
        return settledWith(bytes === undefined ? undefined : decodeValue(this.#codec, bytes, d.backend.ownedReads));
      }
      return this.#getAsync(ownedKey(k), d);
    } catch (err) {
      return failedWith(toStoreError(err));
    }
  }

  async #getAsync(k: Uint8Array, ready: OpenDomain | undefined): Promise<V | undefined> {
    try {
      const d = ready ?? (await this.#readable());
      let bytes = await d.backend.get(k);
      // A live TTL record stays wrapped: decodeValue reads through the wrapper.
      if (bytes !== undefined && bytes[0] === TTL_TAG && !this.#alive(d, k, bytes)) bytes = undefined;
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
          let bytes = values[i];
          if (bytes !== undefined && bytes[0] === TTL_TAG && !this.#alive(d, encoded[i] as Uint8Array, bytes)) bytes = undefined;
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
        let bytes = values[i];
        if (bytes !== undefined && bytes[0] === TTL_TAG && !this.#alive(d, encoded[i] as Uint8Array, bytes)) bytes = undefined;
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
      const stored = d.backend.pointReadsSync ? d.backend.getSync(k) : await d.backend.get(k);
      if (stored !== undefined && (stored[0] !== TTL_TAG || liveAt(stored, Date.now()))) return true;
      return this.#buffered(d) ? (await this.#counters(d).pendingDelta(k)) !== 0 : false;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async put(key: Key, value: V, options?: PutOptions): Promise<void> {
    try {
      const k = encodeKey(key);
      const d = this.#opened() ?? (await this.#resolve());
      const v = encodeValue(this.#codec, value, d.options.maxValueBytes);
      const ttl = options === undefined && d.options.ttlMs === undefined ? undefined : ttlOfWrite(options, d.options.ttlMs);
      if (ttl === undefined) await this.#write(d, (tx) => tx.put(k, v), BLIND);
      else {
        const record = withTtl(v, ttl, Date.now()); // the clock is read once, before the transaction
        await this.#writeTtl(d, (tx) => tx.put(k, record), BLIND);
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async putMany(entries: ReadonlyArray<readonly [Key, V]>, options?: PutOptions): Promise<void> {
    try {
      const d = this.#opened() ?? (await this.#resolve());
      const ttl = ttlOfWrite(options, d.options.ttlMs);
      const now = Date.now();
      // Everything is encoded and checked before the transaction starts: one bad entry writes nothing.
      const keys: Uint8Array[] = [];
      const values = entries.map(([key, value]) => {
        keys.push(encodeKeyPooled(key));
        return withTtl(encodeValue(this.#codec, value, d.options.maxValueBytes), ttl, now);
      });
      const n = values.length;
      if (n === 0) return;
      // Arrows passed inline, not a named local: run from sources through tsx, naming a closure costs
      // a defineProperty call per put (~10% of a `fast` saver put); a build has no such cost.
      if (ttl === undefined) await this.#write(d, (tx) => putAll(tx, keys, values, n), BLIND);
      else await this.#writeTtl(d, (tx) => putAll(tx, keys, values, n), BLIND);
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async delete(key: Key): Promise<boolean> {
    try {
      const k = encodeKey(key);
      const d = this.#opened() ?? (await this.#resolve());
      const now = Date.now();
      return await this.#write(d, (tx) => {
        const stored = tx.get(k);
        if (stored !== undefined) tx.del(k);
        // An expired record is deleted too, but it was not there for any reader.
        return liveRecord(stored, now) !== undefined;
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
      const now = Date.now();
      return await this.#write(d, (tx) => {
        let removed = 0;
        // One getMany: an engine that fetches reads (LevelDB, PostgreSQL, Redis) fetches them all
        // before one more run, not one key per run (which stopped at 1,000 runs).
        const stored = tx.getMany === undefined ? encoded.map((k) => tx.get(k)) : tx.getMany(encoded);
        for (let i = 0; i < encoded.length; i++) {
          const value = stored[i];
          if (value === undefined) continue;
          tx.del(encoded[i] as Uint8Array);
          if (liveRecord(value, now) !== undefined) removed++;
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
      let r: ByteRange | undefined = bytesRange;
      while (r !== undefined) {
        let seen = 0;
        let hidden = 0;
        let last: Uint8Array | undefined;
        // Pages read synchronously, each on one snapshot with the guard: no iterator below this one.
        // Checked per page: a migration of this process may hold the backend by the next one.
        let window: ByteRange | undefined = r;
        while (window !== undefined && d.backend.readsSync) {
          const page = nextPage(window);
          const rows = d.backend.readSync((reader) => reader.range(page));
          for (const [k, stored] of rows) {
            seen++;
            last = k;
            if (stored[0] === TTL_TAG && !this.#alive(d, k, stored)) hidden++;
            else yield [decodeKey(k), decodeValue(this.#codec, stored)];
          }
          window = afterPage(window, page, rows);
        }
        if (window !== undefined) {
          for await (const [k, stored] of d.backend.range(window)) {
            seen++;
            last = k;
            if (stored[0] === TTL_TAG && !this.#alive(d, k, stored)) hidden++;
            else yield [decodeKey(k), decodeValue(this.#codec, stored)];
          }
        }
        // A limited range that hid expired records reads on for as many live ones as it hid.
        r = hidden === 0 ? undefined : rangeAfter(r, seen, last, hidden);
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  read<T>(fn: (reader: KvReader<V>) => T): Promise<T> {
    let d: OpenDomain | undefined;
    try {
      d = this.#ready();
    } catch (err) {
      // CLOSED, say: like every handle method, a rejection, never a throw.
      return failedWith(toStoreError(err));
    }
    if (d?.backend.readsSync && !this.#buffered(d)) return this.#readSync(d, fn);
    return this.#readLater(fn);
  }

  /**
   * `read` as one synchronous read on one snapshot; `fn`'s own errors pass as they are. Where the
   * adapter reads one range as one engine call, `fn` first runs on that (most logical reads are one
   * range or one point), and again in `readSync` only when it asks for a second read.
   */
  #readSync<T>(d: OpenDomain, fn: (reader: KvReader<V>) => T): Promise<T> {
    const alive = (k: Uint8Array, stored: Uint8Array) => this.#alive(d, k, stored);
    if (d.backend.rangeReadsSync) {
      const first = new FirstRead(d.backend);
      try {
        const value = fn(new SyncKvReader(first, this.#codec, alive));
        if (!first.more) return settledWith(value);
      } catch (err) {
        // Read errors are StoreErrors already (SyncKvReader), the rest is fn's own.
        if (!first.more) return failedWith(err);
      }
    }
    let own: { readonly error: unknown } | undefined;
    try {
      const value = d.backend.readSync((reader) => {
        try {
          return fn(new SyncKvReader(reader, this.#codec, alive));
        } catch (error) {
          own = { error };
          throw error;
        }
      });
      return settledWith(value);
    } catch (err) {
      return failedWith(own !== undefined && own.error === err ? err : toStoreError(err));
    }
  }

  /** `read` once the domain is readable: synchronously when the backend can now, else by replaying `fn`. */
  async #readLater<T>(fn: (reader: KvReader<V>) => T): Promise<T> {
    let d: OpenDomain;
    try {
      d = await this.#readable();
    } catch (err) {
      throw toStoreError(err);
    }
    if (d.backend.readsSync && !this.#buffered(d)) return this.#readSync(d, fn);
    return replayRead(fn, this);
  }

  readToken(): number | undefined {
    try {
      const d = this.#ready();
      if (d === undefined || this.#buffered(d) || !d.backend.readsSync) return undefined;
      const token = d.backend.changeToken();
      if (token === undefined || token === this.#untimedAt) return token;
      // TTL records are hidden by the clock, not by a write: no number while the domain may hold any.
      // Their marker commits before the first of them, so one look per number tells.
      if (ttlDomain(this.#ctx, d).known || d.backend.getSync(TTL_MARKER_KEY) !== undefined) return undefined;
      if (d.backend.changeToken() !== token) return undefined;
      this.#untimedAt = token;
      return token;
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
      if (await ttlDomain(this.#ctx, d).mayHoldTtl()) return countLive(d, bytesRange);
      return d.backend.count(bytesRange);
    });
  }

  clear(): Promise<void> {
    return guard(async () => {
      const d = await this.#resolve();
      await this.#ctx.kinds.checkRead(d.backend, d.domain, 'kv');
      await this.#ctx.flushState(d.backend);
      await d.backend.clear();
      ttlDomain(this.#ctx, d).reset();
      // clear() removed the kind record with everything else; write it back so the domain stays kv.
      this.#ctx.kinds.forget(d.backend);
      await this.#write(d, () => {});
    });
  }

  updateCounter(key: Key, op: CounterOp, options?: PutOptions): Promise<number>;
  updateCounter(key: Key, ops: TupleCounterOps, options?: PutOptions): Promise<number[]>;
  updateCounter(key: Key, op: CounterOp | TupleCounterOps, options?: PutOptions): Promise<number | number[]> {
    return this.#counterOps.update(key, op, options);
  }

  updateCounters(ops: ReadonlyArray<readonly [Key, CounterOp]>): Promise<number[]> {
    return this.#counterOps.updateMany(ops, undefined);
  }

  sweepExpired(): Promise<number> {
    return guard(async () => sweepExpired(this.#ctx, await this.#readable()));
  }

  flushCounters(): Promise<void> {
    return this.#counterOps.flush();
  }

  /** The domain when it is already open: no await on the hot path. */
  #opened(): OpenDomain | undefined {
    const d = this.#ctx.resolve(this.#domain);
    return d instanceof Promise ? undefined : d;
  }

  /** The domain when it is open and known to hold kv: reads need no kind check then. */
  #ready(): OpenDomain | undefined {
    // Reused while no route, opened domain or kind record changed: the lookups (route maps, the pool,
    // the kind registry) cost about as much as the rest of a get's JavaScript.
    const at = this.#ctx.routing;
    if (at === this.#readyAt) {
      this.#ctx.assertOpen();
      return this.#readyDomain;
    }
    const d = this.#opened();
    if (d === undefined || !this.#ctx.kinds.isKnown(d.backend, 'kv')) return undefined;
    this.#readyDomain = d;
    this.#readyAt = at;
    return d;
  }

  async #resolve(): Promise<OpenDomain> {
    return this.#ctx.resolve(this.#domain);
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'kv');
  }

  /** Whether a stored TTL record lives now (a refresh may follow); an expired one starts the sweep. */
  #alive(d: OpenDomain, key: Uint8Array, stored: Uint8Array): boolean {
    const now = Date.now();
    // The hot path (a live record, no refresh) touches no per-domain state.
    if (!liveAt(stored, now)) {
      ttlDomain(this.#ctx, d).start();
      return false;
    }
    if (d.options.refreshOnRead === true) ttlDomain(this.#ctx, d).read(key, stored, now);
    return true;
  }

  /**
   * A write that stores TTL records. Once this store knows the domain's TTL marker, it is the plain
   * write: no layer, closure or read of its own, and `options` (blind: write-behind in `fast`) apply.
   * Until then it records the marker with the records and starts the sweep; that write is never
   * write-behind, as it reads the marker: the marker commits before any TTL record is acknowledged.
   */
  #writeTtl<T>(d: OpenDomain, fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    const ttl = ttlDomain(this.#ctx, d);
    return ttl.known ? this.#write(d, fn, options) : this.#writeMarking(d, ttl, fn);
  }

  async #writeMarking<T>(d: OpenDomain, ttl: TtlDomain, fn: (tx: Tx) => T): Promise<T> {
    const result = await this.#write(d, (tx) => {
      ttl.mark(tx);
      return fn(tx);
    });
    ttl.marked();
    return result;
  }

  /** Not an async function: a put pays for the layers below it only (pending buffered counters are written first). */
  #write<T>(d: OpenDomain, fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    if (this.#buffered(d) && this.#counters(d).dirty)
      return this.#counters(d)
        .flush()
        .then(() => this.#ctx.write(d, 'kv', fn, options));
    return this.#ctx.write(d, 'kv', fn, options);
  }

  async #decodeWithPending(d: OpenDomain, key: Uint8Array, stored: Uint8Array | undefined): Promise<V | undefined> {
    const bytes = stored !== undefined && stored[0] === TTL_TAG ? unwrapTtl(stored) : stored;
    if (this.#buffered(d) && (bytes === undefined || isCounter(bytes))) {
      const delta = await this.#counters(d).pendingDelta(key);
      if (delta !== 0) return (counterValue(bytes) + delta) as V;
    }
    return bytes === undefined ? undefined : decodeValue(this.#codec, bytes);
  }

  #buffered(d: OpenDomain): boolean {
    return d.options.counters === 'buffered';
  }

  #counters(d: OpenDomain): BufferedCounters {
    return this.#ctx.state(d.backend, 'counters', () => new BufferedCounters(d.backend, d.options.counterFlushMs));
  }
}
