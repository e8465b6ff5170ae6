import { defaultCodec } from '../codec/index.js';
import { StoreError } from '../errors.js';
import { assertOptions, assertTime } from '../journal/validate.js';
import { decodeKey, encodeKey, prefixUpperBound, rangeToBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard } from '../runtime/to-store-error.js';
import type { ByteRange, Tx } from '../spi/backend.js';
import type { Codec, Key } from '../types.js';
import type { AsOf, CorrectionInterval, ScanEntry, ScanOptions, ValidInterval, Version, VersionedStore } from './types.js';
import {
  decodeHead,
  decodeHeader,
  encodedOfHead,
  encodeHead,
  encodeVersion,
  headKey,
  headRange,
  stampVersion,
  type VersionHeader,
  type VersionKind,
  versionKey,
  versionPrefix,
  versionValue,
} from './versioned-layout.js';

// Past the newest version, `get` reads a key's versions newest first in pages that grow from
// FIRST_PAGE to MAX_PAGE entries: the answer is usually close to the newest.
const FIRST_PAGE = 8;
const MAX_PAGE = 512;
// `scan` reads key heads in pages of at most SCAN_PAGE (at least SCAN_MIN_PAGE, else what is still
// wanted) and answers each page's keys concurrently, so remote adapters overlap their round trips.
const SCAN_PAGE = 256;
const SCAN_MIN_PAGE = 16;

/** Which versions count: those known at `txLimit` (inclusive) and valid at `at`. */
interface Reading {
  readonly txLimit: number;
  readonly at: number;
}

/** Validates `asOfTx` / `asOfValid`; omitted asOfTx means "everything committed so far". */
function readingOf(asOf: AsOf | undefined, what: string): Reading {
  assertOptions(asOf, what);
  const { asOfTx, asOfValid } = asOf ?? {};
  if (asOfTx !== undefined) assertTime(asOfTx, 'asOfTx');
  if (asOfValid !== undefined) assertTime(asOfValid, 'asOfValid');
  // Infinity rather than Date.now(): "now" without trusting that this machine's clock is ahead of
  // every writer's.
  return { txLimit: asOfTx ?? Number.POSITIVE_INFINITY, at: asOfValid ?? Date.now() };
}

/** Whether version `h` counts for `r`. */
const counts = (h: VersionHeader, r: Reading): boolean => h.txTime <= r.txLimit && h.validFrom <= r.at && r.at < h.validTo;

/** Validates an interval; returns its bounds (validFrom undefined: the transaction time). */
function checkInterval(interval: ValidInterval | undefined, what: string, fromRequired: boolean): { validFrom?: number; validTo?: number } {
  assertOptions(interval, what);
  if (fromRequired && interval?.validFrom === undefined) throw new StoreError('INVALID_VALUE', `${what} needs validFrom`);
  const { validFrom, validTo } = interval ?? {};
  if (validFrom !== undefined) assertTime(validFrom, 'validFrom');
  if (validTo !== undefined) assertTime(validTo, 'validTo');
  if (validFrom !== undefined && validTo !== undefined && !(validFrom < validTo)) {
    throw new StoreError('INVALID_VALUE', `validFrom (${validFrom}) must be below validTo (${validTo})`);
  }
  return { ...(validFrom === undefined ? {} : { validFrom }), ...(validTo === undefined ? {} : { validTo }) };
}

/**
 * The `versioned` handle (SPEC §5). Versions of a key are stored under the key and a per-key seq
 * assigned in the write transaction, so commit order is seq order even within one millisecond, and
 * `get` walks one key's versions newest first, stopping at the first that answers.
 */
export class VersionedKvStore<V> implements VersionedStore<V> {
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #codec: Codec<V>;

  constructor(ctx: StoreContext, domain: string, codec?: Codec<V>) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#codec = codec ?? (defaultCodec as Codec<V>);
  }

  put(key: Key, value: V, interval?: ValidInterval): Promise<void> {
    return guard(async () => {
      const k = encodeKey(key);
      await this.#add(k, value, 'put', checkInterval(interval, 'put', false));
    });
  }

  correct(key: Key, value: V, interval: CorrectionInterval): Promise<void> {
    return guard(async () => {
      const k = encodeKey(key);
      await this.#add(k, value, 'correct', checkInterval(interval, 'correct', true));
    });
  }

  get(key: Key, asOf?: AsOf): Promise<V | undefined> {
    return guard(async () => {
      const k = encodeKey(key);
      const reading = readingOf(asOf, 'get');
      const d = await this.#readable();
      const { seq } = decodeHead(await d.backend.get(headKey(k)));
      const bytes = await this.#answer(d, versionPrefix(k), seq, reading);
      return bytes === undefined || decodeHeader(bytes).kind === 'retract' ? undefined : this.#codec.decode(versionValue(bytes));
    });
  }

  retract(key: Key, interval?: ValidInterval): Promise<void> {
    return guard(async () => {
      const k = encodeKey(key);
      await this.#add(k, undefined, 'retract', checkInterval(interval, 'retract', false));
    });
  }

  scan(options?: ScanOptions): Promise<Array<ScanEntry<V>>> {
    return guard(async () => {
      const reading = readingOf(options, 'scan');
      const { prefix, after, limit } = options ?? {};
      if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
        throw new StoreError('INVALID_VALUE', `scan limit must be a non-negative integer, got ${String(limit)}`);
      }
      const keys = headRange(rangeToBytes({ ...(prefix === undefined ? {} : { prefix }), ...(after === undefined ? {} : { gt: after }) }));
      const want = limit ?? Number.POSITIVE_INFINITY;
      const d = await this.#readable();
      const out: Array<ScanEntry<V>> = [];
      let bounds: ByteRange = keys;
      while (out.length < want) {
        const pageSize = Math.min(SCAN_PAGE, Math.max(SCAN_MIN_PAGE, want - out.length));
        // The page is read to its end before any other read starts: some engines' iterators must
        // not stay open across other reads.
        const heads: Array<[Uint8Array, Uint8Array]> = [];
        for await (const entry of d.backend.range({ ...bounds, limit: pageSize })) heads.push(entry);
        const answers = await Promise.all(
          heads.map(([hk, hv]) => this.#answer(d, versionPrefix(encodedOfHead(hk)), decodeHead(hv).seq, reading)),
        );
        for (const [i, bytes] of answers.entries()) {
          if (out.length >= want) break;
          if (bytes === undefined) continue;
          const h = decodeHeader(bytes);
          if (h.kind === 'retract') continue;
          out.push({
            key: decodeKey(encodedOfHead((heads[i] as [Uint8Array, Uint8Array])[0])),
            value: this.#codec.decode(versionValue(bytes)),
            txTime: h.txTime,
            validFrom: h.validFrom,
            ...(h.validTo === Number.POSITIVE_INFINITY ? {} : { validTo: h.validTo }),
          });
        }
        const last = heads.at(-1);
        if (heads.length < pageSize || last === undefined) break;
        bounds = { gt: last[0], ...(keys.lt === undefined ? {} : { lt: keys.lt }), ...(keys.lte === undefined ? {} : { lte: keys.lte }) };
      }
      return out;
    });
  }

  history(key: Key): Promise<Array<Version<V>>> {
    return guard(async () => {
      const k = encodeKey(key);
      const d = await this.#readable();
      const prefix = versionPrefix(k);
      const out: Array<Version<V>> = [];
      for await (const [, bytes] of d.backend.range({ gte: prefix, lt: prefixUpperBound(prefix) as Uint8Array })) {
        const h = decodeHeader(bytes);
        const times = {
          txTime: h.txTime,
          validFrom: h.validFrom,
          ...(h.validTo === Number.POSITIVE_INFINITY ? {} : { validTo: h.validTo }),
        };
        out.push(
          h.kind === 'retract' ? { ...times, kind: 'retract' } : { value: this.#codec.decode(versionValue(bytes)), ...times, kind: h.kind },
        );
      }
      return out;
    });
  }

  /**
   * The record that answers `reading` among a key's versions (a retraction included), or undefined.
   * The usual answer is the newest version: two point reads (head, then that version) are much
   * cheaper than opening a range on some engines. Otherwise older versions are walked newest first.
   */
  async #answer(d: OpenDomain, prefix: Uint8Array, seq: number, reading: Reading): Promise<Uint8Array | undefined> {
    if (seq === 0) return undefined;
    const newest = await d.backend.get(versionKey(prefix, seq));
    if (newest !== undefined && counts(decodeHeader(newest), reading)) return newest;
    let upper = versionKey(prefix, seq);
    let page = FIRST_PAGE;
    for (;;) {
      let seen = 0;
      for await (const [entryKey, bytes] of d.backend.range({ gte: prefix, lt: upper, reverse: true, limit: page })) {
        seen++;
        upper = entryKey;
        if (counts(decodeHeader(bytes), reading)) return bytes;
      }
      if (seen < page) return undefined;
      page = Math.min(page * 4, MAX_PAGE);
    }
  }

  async #add(k: Uint8Array, value: V | undefined, kind: VersionKind, interval: { validFrom?: number; validTo?: number }): Promise<void> {
    const d = await this.#ctx.resolve(this.#domain);
    const body = kind === 'retract' ? new Uint8Array(0) : this.#codec.encode(value as V);
    const max = d.options.maxValueBytes;
    if (body.byteLength > max)
      throw new StoreError('VALUE_TOO_LARGE', `value is ${body.byteLength} bytes encoded; the domain allows ${max}`);
    // Built outside the transaction; only the times are stamped inside it (it may run more than once).
    const record = encodeVersion(kind, interval.validTo, body);
    const hk = headKey(k);
    const prefix = versionPrefix(k);
    await this.#write(d, (tx) => {
      const head = decodeHead(tx.get(hk));
      // Commit times never decrease within a key, even when the clock steps back.
      const txTime = Math.max(Date.now(), head.lastTxTime);
      const validFrom = interval.validFrom ?? txTime;
      if (interval.validTo !== undefined && !(validFrom < interval.validTo)) {
        throw new StoreError('INVALID_VALUE', `validTo (${interval.validTo}) must be after validFrom (${validFrom})`);
      }
      stampVersion(record, txTime, validFrom);
      tx.put(versionKey(prefix, head.seq + 1), record);
      tx.put(hk, encodeHead({ seq: head.seq + 1, lastTxTime: txTime }));
    });
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'versioned');
  }

  #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    return this.#ctx.write(d, 'versioned', fn);
  }
}
