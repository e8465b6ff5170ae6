import type { ByteRange, Bytes, Tx } from '@agentstore/core/spi';
import { byteId } from '@agentstore/core/spi';
import { translateLevelError } from './errors.js';
import { inRange, nativeRange, rangeId, withPrefix } from './keys.js';
import type { NativeDb, NativeOp, NativeRange } from './native.js';

/**
 * A buffered write, in the shape LevelDB's batch takes, so a group's log is its batch. Keys are full
 * (prefixed) keys.
 */
export type PendingWrite = NativeOp;

/** The value a pending write leaves: undefined for a delete. */
function writtenValue(write: PendingWrite): Uint8Array | undefined {
  return write.type === 'put' ? write.value : undefined;
}

/**
 * Writes in the order they were made, with an index by key built on the first lookup (and kept up to
 * date after): a transaction function that never reads (`putMany`) pays nothing per write for it.
 */
export class WriteLog {
  /** Every write in order; later writes of a key supersede earlier ones. */
  readonly writes: PendingWrite[] = [];
  #index: Map<string, PendingWrite> | undefined;

  get size(): number {
    return this.writes.length;
  }

  add(write: PendingWrite): void {
    this.writes.push(write);
    this.#index?.set(byteId(write.key), write);
  }

  /** The latest write of each key, by full-key identity. */
  latest(): Map<string, PendingWrite> {
    if (this.#index === undefined) {
      this.#index = new Map();
      for (const write of this.writes) this.#index.set(byteId(write.key), write);
    }
    return this.#index;
  }
}

/** Entries of a range read from the database (without any pending write), in iteration order. */
interface FetchedRange {
  readonly entries: Array<[Uint8Array, Uint8Array]>;
  /** True when the database has no further entries in the range beyond `entries`. */
  readonly complete: boolean;
}

/** A range a transaction function asked for that is not cached yet; fetched, then the function re-runs. */
export interface RangeRequest {
  readonly id: string;
  readonly range: NativeRange;
  /** How many database entries are needed; undefined means all of them. */
  readonly want: number | undefined;
}

/**
 * State shared by the transactions of one commit group: the writes of the members that already ran
 * (later members see them) and the ranges fetched so far. Both stay valid for the whole group because
 * the location's write queue is the only writer while the group runs.
 */
export class GroupState {
  /** Writes of the group's successful members so far, in order: the group's batch. */
  readonly writes = new WriteLog();
  #ranges: Map<string, FetchedRange> | undefined;

  constructor(readonly db: NativeDb) {}

  /** The cached range, if it holds at least `want` entries (or all there are). */
  cached(id: string, want: number | undefined): FetchedRange | undefined {
    const fetched = this.#ranges?.get(id);
    if (fetched === undefined) return undefined;
    if (fetched.complete || (want !== undefined && fetched.entries.length >= want)) return fetched;
    return undefined;
  }

  /** Reads `request` from the database into the cache. */
  async fetch(request: RangeRequest): Promise<void> {
    const options: NativeRange = { ...request.range };
    if (request.want !== undefined) options.limit = request.want;
    const iterator = this.db.iterator(options);
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    try {
      for (;;) {
        const size = request.want === undefined ? 1000 : Math.min(1000, request.want - entries.length);
        if (size <= 0) break;
        const page = await iterator.nextv(size);
        if (page.length === 0) break;
        for (const entry of page) entries.push(entry);
      }
    } finally {
      await iterator.close();
    }
    const complete = request.want === undefined || entries.length < request.want;
    this.#ranges ??= new Map();
    this.#ranges.set(request.id, { entries, complete });
  }
}

/** Thrown inside a transaction function to stop it when it needs a range that is not cached yet. */
class RangeMiss {
  constructor(readonly request: RangeRequest) {}
}

/**
 * The `Tx` one run of a transaction function gets: synchronous reads over the database (getSync), the
 * group's earlier writes and its own; ranges come from the group's cache or stop the run (see
 * `runTransaction`).
 */
export class GroupTx implements Tx {
  /** This run's own writes, in order. */
  readonly writes = new WriteLog();
  /** The first range this run missed; set even if the function swallows the marker. */
  miss: RangeRequest | undefined;
  #finished = false;

  constructor(
    readonly group: GroupState,
    readonly prefix: Uint8Array,
  ) {}

  /** Makes later calls throw (a function must not keep `tx` beyond its synchronous run). */
  finish(): void {
    this.#finished = true;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertLive();
    const full = withPrefix(this.prefix, key);
    if (this.writes.size > 0 || this.group.writes.size > 0) {
      const id = byteId(full);
      const pending = this.writes.latest().get(id) ?? this.group.writes.latest().get(id);
      if (pending !== undefined) return writtenValue(pending);
    }
    try {
      return this.group.db.getSync(full);
    } catch (error) {
      throw translateLevelError(error, 'transaction get');
    }
  }

  put(key: Bytes, value: Bytes): void {
    this.#assertLive();
    // The SPI hands the value's bytes over to the backend; not copying keeps large values cheap.
    this.writes.add({ type: 'put', key: withPrefix(this.prefix, key), value });
  }

  del(key: Bytes): void {
    this.#assertLive();
    this.writes.add({ type: 'del', key: withPrefix(this.prefix, key) });
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    this.#assertLive();
    if (range.limit !== undefined && range.limit <= 0) return [];
    const bounds = nativeRange(this.prefix, range, false);
    const reverse = range.reverse === true;
    const pending = this.#pendingIn(bounds, reverse);
    // Each pending delete can hide one stored entry, so fetch that many more than the limit.
    let deletes = 0;
    for (const write of pending) if (write.type === 'del') deletes++;
    const want = range.limit === undefined ? undefined : range.limit + deletes;
    const id = rangeId(bounds);
    const fetched = this.group.cached(id, want);
    if (fetched === undefined) {
      this.miss ??= { id, range: bounds, want };
      throw new RangeMiss(this.miss);
    }
    return mergeRange(fetched, pending, reverse, range.limit, this.prefix.length);
  }

  /** Pending writes (own over group's) inside `bounds`, sorted in iteration order. */
  #pendingIn(bounds: NativeRange, reverse: boolean): PendingWrite[] {
    const byId = new Map<string, PendingWrite>();
    if (this.group.writes.size > 0) {
      for (const [id, write] of this.group.writes.latest()) if (inRange(write.key, bounds)) byId.set(id, write);
    }
    if (this.writes.size > 0) {
      for (const [id, write] of this.writes.latest()) if (inRange(write.key, bounds)) byId.set(id, write);
    }
    const list = [...byId.values()];
    list.sort((a, b) => (reverse ? Buffer.compare(b.key, a.key) : Buffer.compare(a.key, b.key)));
    return list;
  }

  #assertLive(): void {
    if (this.#finished) throw new Error('agentstore level adapter: tx used after its transaction function returned');
  }
}

/** Merges stored entries with pending writes (pending wins), strips the prefix, applies the limit. */
function mergeRange(
  fetched: FetchedRange,
  pending: PendingWrite[],
  reverse: boolean,
  limit: number | undefined,
  prefixLength: number,
): Array<[Bytes, Bytes]> {
  const stored = fetched.entries;
  // When the fetch stopped early, only keys up to the last fetched one are fully known; the limit
  // arithmetic in `range` guarantees that enough merged entries lie within that horizon.
  const horizon = fetched.complete ? undefined : stored[stored.length - 1]?.[0];
  const before = (a: Uint8Array, b: Uint8Array) => (reverse ? Buffer.compare(b, a) : Buffer.compare(a, b));
  const out: Array<[Bytes, Bytes]> = [];
  const max = limit ?? Number.POSITIVE_INFINITY;
  let i = 0;
  let j = 0;
  while (out.length < max) {
    const s = stored[i];
    let p = pending[j];
    if (p !== undefined && horizon !== undefined && before(horizon, p.key) < 0) p = undefined;
    if (s === undefined && p === undefined) break;
    const order = s === undefined ? 1 : p === undefined ? -1 : before(s[0], p.key);
    if (order < 0 && s !== undefined) {
      out.push([s[0].subarray(prefixLength), s[1]]);
      i++;
      continue;
    }
    if (order === 0) i++;
    if (p !== undefined && p.type === 'put') out.push([p.key.subarray(prefixLength), p.value]);
    j++;
  }
  return out;
}

/** Outcome of one run of a transaction function. */
export type RunOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly writes: WriteLog }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'miss'; readonly request: RangeRequest };

/** Runs `fn` once against the group; the caller fetches a missed range and runs it again. */
export function runOnce<T>(group: GroupState, prefix: Uint8Array, fn: (tx: Tx) => T): RunOutcome<T> {
  const tx = new GroupTx(group, prefix);
  let outcome: RunOutcome<T>;
  try {
    outcome = { kind: 'done', value: fn(tx), writes: tx.writes };
  } catch (error) {
    outcome = { kind: 'failed', error };
  }
  tx.finish();
  // A miss wins over whatever the function did with the marker: its run saw incomplete data.
  if (tx.miss !== undefined) return { kind: 'miss', request: tx.miss };
  return outcome;
}
