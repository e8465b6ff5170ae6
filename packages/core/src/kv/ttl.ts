import { StoreError } from '../errors.js';
import { ownedKey, rangeToBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { Flushable, StoreContext } from '../runtime/store-context.js';
import type { ByteRange, Tx } from '../spi/backend.js';
import type { PutOptions } from '../types.js';
import {
  assertTtlMs,
  expiryOf,
  hasTtl,
  isExpired,
  TTL_MARKER_KEY,
  TTL_MARKER_VALUE,
  ttlOfRecord,
  unwrapTtl,
  wrapTtl,
} from './ttl-record.js';

/** Records a sweep looks at per transaction (and per timer tick): no sweep holds a long transaction. */
export const SWEEP_BATCH = 1000;
/** Default period of the background sweep (domain option `ttlSweepMs`). */
export const DEFAULT_SWEEP_MS = 60_000;
// A read refreshes only when that moves the expiry by at least this share of the TTL: a hot key
// read in a loop costs one write per 1 % of its TTL, not one per read.
const REFRESH_STEP = 0.01;
// Keys per refresh transaction (backends that fetch each key a transaction reads run it once per key).
const REFRESH_CHUNK = 100;

/** The TTL a write gets: its own `ttlMs`, else the domain's default, else none. */
export function ttlOfWrite(options: PutOptions | undefined, domainTtl: number | undefined): number | undefined {
  if (options === undefined) return domainTtl;
  if (options === null || typeof options !== 'object') throw new StoreError('INVALID_VALUE', 'put options must be an object');
  for (const key in options) if (key !== 'ttlMs') throw new StoreError('INVALID_VALUE', `unknown put option "${key}"`);
  const { ttlMs } = options;
  if (ttlMs === undefined) return domainTtl;
  assertTtlMs(ttlMs);
  return ttlMs;
}

/** The TTL machinery of one kv domain in one store: marker, background sweep, read refreshes. */
export class TtlDomain implements Flushable {
  readonly #ctx: StoreContext;
  readonly #d: OpenDomain;
  #marked = false;
  #timer: NodeJS.Timeout | undefined;
  #cursor: Uint8Array | undefined;
  #sweeping: Promise<unknown> | undefined;
  readonly #refresh = new Map<string, Uint8Array>();
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(ctx: StoreContext, d: OpenDomain) {
    this.#ctx = ctx;
    this.#d = d;
  }

  /** Whether this store has seen the domain's marker (it may hold TTL records). */
  get known(): boolean {
    return this.#marked;
  }

  /** Inside a write that stores a TTL record: records the domain's marker once (repeatable). */
  mark(tx: Tx): void {
    if (!this.#marked && tx.get(TTL_MARKER_KEY) === undefined) tx.put(TTL_MARKER_KEY, TTL_MARKER_VALUE);
  }

  /** After a write with a TTL committed: the marker is on disk and the sweep runs. */
  marked(): void {
    this.#marked = true;
    this.start();
  }

  /** Whether the domain may hold TTL records (one read until the marker is seen). */
  async mayHoldTtl(): Promise<boolean> {
    if (this.#marked) return true;
    if ((await this.#d.backend.get(TTL_MARKER_KEY)) === undefined) return false;
    this.#marked = true;
    this.start();
    return true;
  }

  /** Forgets the marker (after `clear`). */
  reset(): void {
    this.#marked = false;
    this.#cursor = undefined;
  }

  /** Starts the background sweep (unref'd: it never keeps a process alive). */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const every = (this.#d.options.ttlSweepMs as number | undefined) ?? DEFAULT_SWEEP_MS;
    this.#timer = setInterval(() => this.#tick(), every);
    this.#timer.unref();
  }

  /** Stops the sweep timer (the store or the domain is closing). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A read met a live TTL record under `key` in a `refreshOnRead` domain: push its expiry out (batched). */
  read(key: Uint8Array, stored: Uint8Array, now: number): void {
    this.start();
    const ttl = ttlOfRecord(stored);
    if (now + ttl - expiryOf(stored) < ttl * REFRESH_STEP) return;
    // A copy: a get's key is a view the next key encoding overwrites.
    this.#refresh.set(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'), ownedKey(key));
    this.#refreshing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#writeRefresh());
  }

  /** Writes pending refreshes (sync and close wait for them). */
  async flush(): Promise<void> {
    while (this.#refreshing) await this.#refreshing.catch(() => undefined);
  }

  async #writeRefresh(): Promise<void> {
    const all = [...this.#refresh.values()];
    this.#refresh.clear();
    try {
      for (let i = 0; i < all.length; i += REFRESH_CHUNK) await this.#refreshKeys(all.slice(i, i + REFRESH_CHUNK));
    } catch {
      // A refresh is best effort (the domain moved or closed meanwhile): the record keeps its expiry.
    } finally {
      this.#refreshing = undefined;
    }
  }

  async #refreshKeys(keys: readonly Uint8Array[]): Promise<void> {
    const now = Date.now();
    await this.#ctx.write(this.#d, 'kv', (tx) => {
      for (const key of keys) {
        const stored = tx.get(key);
        // Overwritten, deleted or expired meanwhile: nothing to refresh (never resurrect a record).
        if (stored === undefined || !hasTtl(stored) || isExpired(stored, now)) continue;
        const ttl = ttlOfRecord(stored);
        tx.put(key, wrapTtl(unwrapTtl(stored), now + ttl, ttl));
      }
    });
  }

  #tick(): void {
    if (this.#sweeping !== undefined || this.#ctx.closed) return;
    const all = rangeToBytes(undefined);
    const range: ByteRange = this.#cursor === undefined ? all : { gt: this.#cursor, lt: all.lt };
    this.#sweeping = sweepPage(this.#ctx, this.#d, range, Date.now(), false)
      .then(({ last }) => {
        this.#cursor = last; // undefined at the end: the next tick starts over
      })
      .catch(() => undefined)
      .finally(() => {
        this.#sweeping = undefined;
      });
  }
}

/** The TTL state of an opened kv domain in this store. */
export const ttlDomain = (ctx: StoreContext, d: OpenDomain): TtlDomain => ctx.state(d.backend, 'ttl', () => new TtlDomain(ctx, d));

/**
 * Deletes the expired records of one page of `range` (at most {@link SWEEP_BATCH} looked at), each
 * checked again inside the deleting transaction; `last` is the page's last key when more may follow.
 */
async function sweepPage(
  ctx: StoreContext,
  d: OpenDomain,
  range: ByteRange,
  now: number,
  dryRun: boolean,
): Promise<{ removed: number; last: Uint8Array | undefined }> {
  const expired: Uint8Array[] = [];
  let seen = 0;
  let last: Uint8Array | undefined;
  for await (const [key, value] of d.backend.range({ ...range, limit: SWEEP_BATCH })) {
    seen++;
    last = key;
    if (isExpired(value, now)) expired.push(key);
  }
  const more = seen === SWEEP_BATCH ? last : undefined;
  if (expired.length === 0 || dryRun) return { removed: expired.length, last: more };
  // One range read of the page's span inside the transaction, not a read per key: backends that fetch
  // what a transaction reads and run it again (PostgreSQL, Redis) then run it twice, not once per key.
  const span: ByteRange = { gte: expired[0] as Uint8Array, lte: expired[expired.length - 1] as Uint8Array, limit: SWEEP_BATCH };
  const removed = await ctx.write(d, 'kv', (tx) => {
    let n = 0;
    for (const [key, value] of tx.range(span)) {
      if (!isExpired(value, now)) continue;
      tx.del(key);
      n++;
    }
    return n;
  });
  return { removed, last: more };
}

/**
 * One full pass over a kv domain: deletes every record expired at the pass's start, a page per
 * transaction; with `dryRun`, only counts them. Returns how many.
 */
export async function sweepExpired(ctx: StoreContext, d: OpenDomain, dryRun = false): Promise<number> {
  const state = ttlDomain(ctx, d);
  if (!(await state.mayHoldTtl())) return 0;
  const now = Date.now();
  const all = rangeToBytes(undefined);
  let total = 0;
  let cursor: Uint8Array | undefined;
  for (;;) {
    const range: ByteRange = cursor === undefined ? all : { gt: cursor, lt: all.lt };
    const { removed, last } = await sweepPage(ctx, d, range, now, dryRun);
    total += removed;
    if (last === undefined) return total;
    cursor = last;
  }
}

/** Counts the live records of `range` one by one (a domain that may hold TTL records). */
export async function countLive(d: OpenDomain, range: ByteRange): Promise<number> {
  const now = Date.now();
  const { limit, ...unlimited } = range;
  let n = 0;
  if (limit === 0) return 0;
  for await (const [, value] of d.backend.range(unlimited)) {
    if (isExpired(value, now)) continue;
    n++;
    if (n === limit) break;
  }
  return n;
}

/**
 * After a page of `range` that hid `hidden` expired records: the range of what they hid when the
 * page was cut by its `limit` (the entries after `last`, at most `hidden`), else undefined.
 */
export function rangeAfter(range: ByteRange, seen: number, last: Uint8Array | undefined, hidden: number): ByteRange | undefined {
  if (range.limit === undefined || seen < range.limit || last === undefined) return undefined;
  const { gt, gte, lt, lte, ...rest } = range;
  if (range.reverse) return { ...rest, ...(gt ? { gt } : gte ? { gte } : {}), lt: last, limit: hidden };
  return { ...rest, gt: last, ...(lt ? { lt } : lte ? { lte } : {}), limit: hidden };
}
