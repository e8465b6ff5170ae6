import { defaultCodec } from '../codec/index.js';
import { StoreError } from '../errors.js';
import { assertOptions, assertTime } from '../journal/validate.js';
import { encodeKey, prefixUpperBound } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard } from '../runtime/to-store-error.js';
import type { Tx } from '../spi/backend.js';
import type { Codec, Key } from '../types.js';
import type { AsOf, CorrectionInterval, ValidInterval, Version, VersionedStore } from './types.js';
import {
  decodeHead,
  decodeHeader,
  encodeHead,
  encodeVersion,
  headKey,
  stampVersion,
  versionKey,
  versionPrefix,
  versionValue,
} from './versioned-layout.js';

// Past the newest version, `get` reads a key's versions newest first in pages that grow from
// FIRST_PAGE to MAX_PAGE entries: the answer is usually close to the newest.
const FIRST_PAGE = 8;
const MAX_PAGE = 512;

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
      await this.#add(k, value, false, checkInterval(interval, 'put', false));
    });
  }

  correct(key: Key, value: V, interval: CorrectionInterval): Promise<void> {
    return guard(async () => {
      const k = encodeKey(key);
      await this.#add(k, value, true, checkInterval(interval, 'correct', true));
    });
  }

  get(key: Key, asOf?: AsOf): Promise<V | undefined> {
    return guard(async () => {
      const k = encodeKey(key);
      assertOptions(asOf, 'get');
      const { asOfTx, asOfValid } = asOf ?? {};
      if (asOfTx !== undefined) assertTime(asOfTx, 'asOfTx');
      if (asOfValid !== undefined) assertTime(asOfValid, 'asOfValid');
      // Omitted asOfTx means "everything committed so far", which is "now" without trusting that
      // this machine's clock is ahead of every writer's.
      const txLimit = asOfTx ?? Number.POSITIVE_INFINITY;
      const at = asOfValid ?? Date.now();
      const d = await this.#readable();
      const prefix = versionPrefix(k);
      const matches = (bytes: Uint8Array): boolean => {
        const h = decodeHeader(bytes);
        return h.txTime <= txLimit && h.validFrom <= at && at < h.validTo;
      };
      // The usual answer is the newest version: two point reads (head, then that version) are much
      // cheaper than opening a range on some engines. Otherwise walk older versions newest first.
      const { seq } = decodeHead(await d.backend.get(headKey(k)));
      if (seq === 0) return undefined;
      const newest = await d.backend.get(versionKey(prefix, seq));
      if (newest !== undefined && matches(newest)) return this.#codec.decode(versionValue(newest));
      let upper = versionKey(prefix, seq);
      let page = FIRST_PAGE;
      for (;;) {
        let seen = 0;
        for await (const [entryKey, bytes] of d.backend.range({ gte: prefix, lt: upper, reverse: true, limit: page })) {
          seen++;
          upper = entryKey;
          if (matches(bytes)) return this.#codec.decode(versionValue(bytes));
        }
        if (seen < page) return undefined;
        page = Math.min(page * 4, MAX_PAGE);
      }
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
        out.push({
          value: this.#codec.decode(versionValue(bytes)),
          txTime: h.txTime,
          validFrom: h.validFrom,
          ...(h.validTo === Number.POSITIVE_INFINITY ? {} : { validTo: h.validTo }),
          kind: h.correction ? 'correct' : 'put',
        });
      }
      return out;
    });
  }

  async #add(k: Uint8Array, value: V, correction: boolean, interval: { validFrom?: number; validTo?: number }): Promise<void> {
    const d = await this.#ctx.resolve(this.#domain);
    const body = this.#codec.encode(value);
    const max = d.options.maxValueBytes;
    if (body.byteLength > max)
      throw new StoreError('VALUE_TOO_LARGE', `value is ${body.byteLength} bytes encoded; the domain allows ${max}`);
    // Built outside the transaction; only the times are stamped inside it (it may run more than once).
    const record = encodeVersion(correction, interval.validTo, body);
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
