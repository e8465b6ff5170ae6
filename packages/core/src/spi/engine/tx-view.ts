import { StoreError } from '../../errors.js';
import { compareBytes } from '../../keys/bytes.js';
import type { ByteRange, Bytes, Tx } from '../backend.js';
import type { AbsentKeys } from './absent-keys.js';
import { inByteRange, keyId, rangeId } from './byte-keys.js';
import type { ReadCache } from './read-cache.js';
import type { BufferedWrite, TxEngine } from './tx-engine.js';
import { WriteLog } from './write-log.js';

/** A read a run of a transaction function needed and the engine could not answer synchronously. */
export type ReadMiss =
  | { readonly kind: 'get'; readonly key: Bytes }
  | { readonly kind: 'getMany'; readonly keys: readonly Bytes[] }
  | { readonly kind: 'range'; readonly id: string; readonly range: ByteRange; readonly want: number | undefined };

/** Thrown inside a transaction function to stop a run that read what is not fetched yet. */
class ReadMissSignal {
  constructor(readonly miss: ReadMiss) {}
}

/**
 * The `Tx` one run of a transaction function sees: the engine's state in the open transaction, the
 * group's earlier writes when the engine's reads do not see them (`group`), and this run's own
 * writes, which are only buffered: the queue hands them to the engine once the function returned.
 */
export class TxView<D, T> implements Tx {
  /** This run's writes, in call order. */
  readonly writes = new WriteLog();
  /** The first read this run could not answer; set even if the function swallowed the signal. */
  miss: ReadMiss | undefined;
  /** An engine error a read hit that dooms the attempt, even if the function caught it. */
  failure: unknown;
  #finished = false;

  constructor(
    readonly engine: TxEngine<D, T>,
    readonly txn: T,
    readonly domain: D,
    readonly group: WriteLog | undefined,
    readonly cache: ReadCache | undefined,
    /** Short keys already found absent in this transaction (synchronous engines that read their writes). */
    readonly absent?: AbsentKeys | undefined,
  ) {}

  /** Makes later calls throw: a function must not keep `tx` beyond its synchronous run. */
  finish(): void {
    this.#finished = true;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertActive();
    const pending = this.writes.find(key) ?? this.group?.find(key);
    if (pending !== undefined) return pending.value;
    const { engine } = this;
    if (engine.get !== undefined) {
      const { absent } = this;
      if (absent?.has(key)) return undefined;
      const read = engine.get;
      const value = this.#read(() => read.call(engine, this.txn, this.domain, key));
      if (value === undefined) absent?.add(key);
      return value;
    }
    const known = this.cache?.value(key);
    if (known !== undefined) return known ?? undefined;
    return this.#missed({ kind: 'get', key });
  }

  getMany(keys: readonly Bytes[]): Array<Bytes | undefined> {
    this.#assertActive();
    if (this.engine.get !== undefined) return keys.map((key) => this.get(key));
    const values: Array<Bytes | undefined> = [];
    const unknown: Bytes[] = [];
    for (const key of keys) {
      const pending = this.writes.find(key) ?? this.group?.find(key);
      if (pending !== undefined) {
        values.push(pending.value);
        continue;
      }
      const known = this.cache?.value(key);
      if (known === undefined) unknown.push(key);
      else values.push(known ?? undefined);
    }
    // Every key not fetched yet in one miss: one fetch round, one more run (not one run per key).
    if (unknown.length > 0) return this.#missed({ kind: 'getMany', keys: unknown });
    return values;
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    this.#assertActive();
    if (range.limit !== undefined && range.limit <= 0) return [];
    const pending = this.#pendingIn(range);
    if (pending === undefined) return this.#stored(range, range.limit);
    let deletes = 0;
    for (const write of pending.values()) if (write.value === undefined) deletes++;
    // Each pending delete can hide one stored entry, so that many more suffice for `limit` results.
    const rows = this.#stored(range, range.limit === undefined ? undefined : range.limit + deletes);
    const merged = new Map<string, [Bytes, Bytes]>();
    for (const row of rows) merged.set(keyId(row[0]), row);
    for (const [id, write] of pending) {
      if (write.value === undefined) merged.delete(id);
      else merged.set(id, [write.key, write.value]);
    }
    const direction = range.reverse === true ? -1 : 1;
    const entries = [...merged.values()].sort((a, b) => compareBytes(a[0], b[0]) * direction);
    return range.limit === undefined ? entries : entries.slice(0, range.limit);
  }

  put(key: Bytes, value: Bytes): void {
    this.#assertActive();
    // The SPI hands the bytes over to the backend: kept, not copied.
    this.writes.add({ key, value });
  }

  del(key: Bytes): void {
    this.#assertActive();
    this.writes.add({ key, value: undefined });
  }

  /** Pending writes (own over the group's) inside `range` by key identity; undefined when none. */
  #pendingIn(range: ByteRange): Map<string, BufferedWrite> | undefined {
    if (this.writes.size === 0 && (this.group === undefined || this.group.size === 0)) return undefined;
    const byId = new Map<string, BufferedWrite>();
    for (const log of [this.group, this.writes]) {
      if (log === undefined || log.size === 0) continue;
      for (const [id, write] of log.latest()) if (inByteRange(write.key, range)) byId.set(id, write);
    }
    return byId.size === 0 ? undefined : byId;
  }

  /** Stored entries of `range`, at least `want` of them when there are (all when undefined). */
  #stored(range: ByteRange, want: number | undefined): Array<[Bytes, Bytes]> {
    const { engine } = this;
    if (engine.range !== undefined) {
      const read = engine.range;
      const asked = want === range.limit ? range : { ...range, limit: want };
      return this.#read(() => read.call(engine, this.txn, this.domain, asked));
    }
    const id = rangeId(range);
    const fetched = this.cache?.range(id, want);
    if (fetched === undefined) return this.#missed({ kind: 'range', id, range, want });
    // A copy: the cache serves the next runs too, whatever the function does with the array.
    return want === undefined ? fetched.entries.slice() : fetched.entries.slice(0, want);
  }

  #missed(miss: ReadMiss): never {
    this.miss ??= miss;
    throw new ReadMissSignal(this.miss);
  }

  #read<R>(op: () => R): R {
    try {
      return op();
    } catch (error) {
      if (this.engine.classify(error, 'read') !== 'job') this.failure ??= error;
      throw this.engine.translate(error, 'read in transaction');
    }
  }

  #assertActive(): void {
    if (this.#finished) throw new StoreError('CLOSED', 'the transaction has already finished');
  }
}
