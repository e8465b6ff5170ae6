import { assertCount } from '../checkpoints/validate-input.js';
import { defaultCodec } from '../codec/index.js';
import { StoreError } from '../errors.js';
import { prefixUpperBound } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard } from '../runtime/to-store-error.js';
import type { Tx } from '../spi/backend.js';
import type { Codec } from '../types.js';
import {
  decodeEntry,
  decodeHead,
  encodeEntry,
  encodeHead,
  entryKey,
  entryPrefix,
  headKey,
  headRange,
  seqOfEntryKey,
  streamOfHeadKey,
} from './journal-layout.js';
import type { AppendOptions, AppendResult, Journal, JournalEntry, JournalReadOptions, StreamName, StreamsOptions } from './types.js';
import { assertName, assertOptions, assertTime } from './validate.js';

// `truncateBefore` removes at most this many entries per transaction, so no transaction grows unbounded.
const REMOVE_BATCH = 512;
// Offset of txTime inside an entry record (after the flags byte).
const TX_TIME_AT = 1;

/** Throws `INVALID_VALUE` unless `seq` is a non-negative safe integer. */
function assertSeq(seq: unknown, what: string): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    throw new StoreError('INVALID_VALUE', `${what} must be a non-negative integer`);
}

/** The `journal` handle (SPEC §5), built on a domain backend's ordered keys and transactions. */
export class JournalStore<V> implements Journal<V> {
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #codec: Codec<V>;

  constructor(ctx: StoreContext, domain: string, codec?: Codec<V>) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#codec = codec ?? (defaultCodec as Codec<V>);
  }

  append(stream: StreamName, values: readonly V[], options?: AppendOptions): Promise<AppendResult> {
    return guard(async () => {
      assertName(stream, 'stream name');
      if (!Array.isArray(values)) throw new StoreError('INVALID_VALUE', 'append takes an array of values');
      if (values.length === 0) throw new StoreError('INVALID_VALUE', 'append needs at least one value');
      assertOptions(options, 'append');
      const validTime = options?.validTime;
      if (validTime !== undefined) assertTime(validTime, 'validTime');
      const expectLastSeq = options?.expectLastSeq;
      if (expectLastSeq !== undefined) assertSeq(expectLastSeq, 'expectLastSeq');
      const d = await this.#ctx.resolve(this.#domain);
      // Every value is encoded and checked before the transaction: one bad value writes nothing. The
      // records are complete but for txTime, patched in the transaction (which may run more than once).
      const records = values.map((value) => encodeEntry(0, validTime, this.#encode(value, d.options.maxValueBytes)));
      const hk = headKey(stream);
      const prefix = entryPrefix(stream);
      return this.#write(d, (tx) => {
        const head = decodeHead(tx.get(hk));
        if (expectLastSeq !== undefined && head.lastSeq !== expectLastSeq)
          throw new StoreError('CONFLICT', `stream's last seq is ${head.lastSeq}, not the expected ${expectLastSeq}`);
        const txTime = Math.max(Date.now(), head.lastTxTime);
        const firstSeq = head.lastSeq + 1;
        for (let i = 0; i < records.length; i++) {
          const record = records[i] as Uint8Array;
          new DataView(record.buffer, record.byteOffset, record.byteLength).setFloat64(TX_TIME_AT, txTime);
          tx.put(entryKey(prefix, firstSeq + i), record);
        }
        const lastSeq = head.lastSeq + records.length;
        tx.put(hk, encodeHead({ lastSeq, firstSeq: head.firstSeq, lastTxTime: txTime }));
        return { firstSeq, lastSeq };
      });
    });
  }

  read(stream: StreamName, options: JournalReadOptions = {}): Promise<Array<JournalEntry<V>>> {
    return guard(async () => {
      assertName(stream, 'stream name');
      assertOptions(options, 'read');
      const { fromSeq = 0, toSeq, limit, reverse = false } = options ?? {};
      assertSeq(fromSeq, 'fromSeq');
      if (toSeq !== undefined) assertSeq(toSeq, 'toSeq');
      if (limit !== undefined) assertCount(limit, 'limit');
      if (typeof reverse !== 'boolean') throw new StoreError('INVALID_VALUE', 'reverse must be a boolean');
      const d = await this.#readable();
      const out: Array<JournalEntry<V>> = [];
      if (limit === 0 || (toSeq !== undefined && toSeq < fromSeq)) return out;
      const prefix = entryPrefix(stream);
      const upper = toSeq === undefined ? { lt: prefixUpperBound(prefix) as Uint8Array } : { lte: entryKey(prefix, toSeq) };
      const range = { gte: entryKey(prefix, fromSeq), ...upper, reverse, ...(limit === undefined ? {} : { limit }) };
      for await (const [key, bytes] of d.backend.range(range)) {
        const { txTime, validTime, value } = decodeEntry(bytes);
        const seq = seqOfEntryKey(key);
        out.push(
          validTime === undefined
            ? { seq, txTime, value: this.#codec.decode(value) }
            : { seq, txTime, validTime, value: this.#codec.decode(value) },
        );
      }
      return out;
    });
  }

  lastSeq(stream: StreamName): Promise<number> {
    return guard(async () => {
      assertName(stream, 'stream name');
      const d = await this.#readable();
      return decodeHead(await d.backend.get(headKey(stream))).lastSeq;
    });
  }

  firstSeq(stream: StreamName): Promise<number> {
    return guard(async () => {
      assertName(stream, 'stream name');
      const d = await this.#readable();
      return decodeHead(await d.backend.get(headKey(stream))).firstSeq;
    });
  }

  truncateBefore(stream: StreamName, seq: number): Promise<number> {
    return guard(async () => {
      assertName(stream, 'stream name');
      assertSeq(seq, 'seq');
      const d = await this.#readable();
      const hk = headKey(stream);
      const prefix = entryPrefix(stream);
      // Nothing to remove: answer without a transaction, so a never-written domain records no kind.
      const seen = decodeHead(await d.backend.get(hk));
      if (Math.min(seq, seen.lastSeq + 1) <= seen.firstSeq) return 0;
      let total = 0;
      for (;;) {
        // Entries are exactly firstSeq..lastSeq (appends add at the end, truncation removes a prefix),
        // so the victims are known from the head without reading them.
        const removed = await this.#write(d, (tx) => {
          const head = decodeHead(tx.get(hk));
          const end = Math.min(seq, head.lastSeq + 1, head.firstSeq + REMOVE_BATCH);
          if (end <= head.firstSeq) return 0;
          for (let s = head.firstSeq; s < end; s++) tx.del(entryKey(prefix, s));
          tx.put(hk, encodeHead({ ...head, firstSeq: end }));
          return end - head.firstSeq;
        });
        total += removed;
        if (removed < REMOVE_BATCH) return total;
      }
    });
  }

  streams(options: StreamsOptions = {}): Promise<StreamName[]> {
    return guard(async () => {
      assertOptions(options, 'streams');
      const { prefix = '', after, limit } = options ?? {};
      if (typeof prefix !== 'string' || !prefix.isWellFormed())
        throw new StoreError('INVALID_VALUE', 'prefix must be a well-formed string');
      if (after !== undefined) assertName(after, 'stream name');
      if (limit !== undefined) assertCount(limit, 'limit');
      const d = await this.#readable();
      const out: StreamName[] = [];
      if (limit === 0) return out;
      const range = { ...headRange(prefix, after), ...(limit === undefined ? {} : { limit }) };
      for await (const [key] of d.backend.range(range)) out.push(streamOfHeadKey(key));
      return out;
    });
  }

  #encode(value: V, maxBytes: number): Uint8Array {
    const body = this.#codec.encode(value);
    if (body.byteLength > maxBytes)
      throw new StoreError('VALUE_TOO_LARGE', `value is ${body.byteLength} bytes encoded; the domain allows ${maxBytes}`);
    return body;
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'journal');
  }

  #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    return this.#ctx.write(d, 'journal', fn);
  }
}
