import {
  type Bounds,
  type ByteRange,
  type Bytes,
  boundsId,
  byteId,
  compareKeys,
  inBounds,
  StoreError,
  type Tx,
  toBounds,
} from '@agentstore/core/spi';

/** A buffered write: `value` undefined means delete. */
export interface PendingWrite {
  readonly key: Bytes;
  readonly value: Bytes | undefined;
}

/** Entries of a range read from the table (without pending writes), in iteration order. */
export interface FetchedRange {
  readonly entries: Array<[Bytes, Bytes]>;
  /** True when the table has no further entries in the range beyond `entries`. */
  readonly complete: boolean;
}

/** Data a transaction function asked for that the group has not fetched yet. */
export type ReadRequest =
  | { readonly kind: 'get'; readonly id: string; readonly key: Bytes }
  | {
      readonly kind: 'range';
      readonly id: string;
      readonly bounds: Bounds;
      readonly reverse: boolean;
      /** How many stored entries are needed; undefined means all of them. */
      readonly want: number | undefined;
    };

/**
 * What the members of one commit group share: the writes of the members that already ran (later
 * members see them) and everything fetched so far. Fetched data stays valid for the whole group
 * because the group's transaction holds the domain's advisory lock, which every writer takes.
 */
export class GroupState {
  /** Writes of the group's successful members so far, by key identity. */
  readonly writes = new Map<string, PendingWrite>();
  readonly #values = new Map<string, Bytes | null>();
  readonly #ranges = new Map<string, FetchedRange>();
  /** Open intervals known to hold no stored key (from the neighbours of keys fetched absent). */
  readonly #gaps: Gap[] = [];

  /** The fetched value (null: absent), or undefined when not known. */
  value(id: string, key: Bytes): Bytes | null | undefined {
    const known = this.#values.get(id);
    if (known !== undefined) return known;
    // A function may probe keys it makes up anew on every run (a random id checked for collisions):
    // such probes would never all be fetched, but they land in gaps already known to be empty.
    for (const gap of this.#gaps) {
      if ((gap.after === undefined || compareKeys(gap.after, key) < 0) && (gap.before === undefined || compareKeys(key, gap.before) < 0)) {
        return null;
      }
    }
    return undefined;
  }

  /** The cached range, if it holds at least `want` entries (or all there are). */
  range(id: string, want: number | undefined): FetchedRange | undefined {
    const fetched = this.#ranges.get(id);
    if (fetched === undefined) return undefined;
    if (fetched.complete || (want !== undefined && fetched.entries.length >= want)) return fetched;
    return undefined;
  }

  /** Records the value (or absence) of a key; an absent key comes with the gap around it. */
  storeValue(request: ReadRequest & { kind: 'get' }, value: Bytes | undefined, gap: Gap | undefined): void {
    this.#values.set(request.id, value ?? null);
    if (value === undefined && gap !== undefined) this.#gaps.push(gap);
  }

  /** Records the entries of a range read (`want` of them, or all when fewer). */
  storeRange(request: ReadRequest & { kind: 'range' }, entries: Array<[Bytes, Bytes]>): void {
    const complete = request.want === undefined || entries.length < request.want;
    this.#ranges.set(request.id, { entries, complete });
  }
}

/** Keys strictly between `after` and `before` (an end undefined: unbounded) are not stored. */
export interface Gap {
  readonly after: Bytes | undefined;
  readonly before: Bytes | undefined;
}

/** Thrown inside a transaction function to stop it when it reads data not fetched yet. */
class ReadMiss {
  constructor(readonly request: ReadRequest) {}
}

/** The `Tx` one run of a transaction function gets (see `runOnce`). */
export class GroupTx implements Tx {
  /** This run's own writes, by key identity. */
  readonly writes = new Map<string, PendingWrite>();
  /** The first read this run missed; set even if the function swallows the marker. */
  miss: ReadRequest | undefined;
  #finished = false;

  constructor(readonly group: GroupState) {}

  /** Makes later calls throw: a function must not keep `tx` beyond its synchronous run. */
  finish(): void {
    this.#finished = true;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertLive();
    const id = byteId(key);
    const pending = this.writes.get(id) ?? this.group.writes.get(id);
    if (pending !== undefined) return pending.value;
    const fetched = this.group.value(id, key);
    if (fetched !== undefined) return fetched ?? undefined;
    this.miss ??= { kind: 'get', id, key };
    throw new ReadMiss(this.miss);
  }

  put(key: Bytes, value: Bytes): void {
    this.#assertLive();
    // The SPI hands the bytes over to the backend; not copying keeps large values cheap.
    this.writes.set(byteId(key), { key, value });
  }

  del(key: Bytes): void {
    this.#assertLive();
    this.writes.set(byteId(key), { key, value: undefined });
  }

  range(range: ByteRange): Array<[Bytes, Bytes]> {
    this.#assertLive();
    if (range.limit !== undefined && range.limit <= 0) return [];
    const bounds = toBounds(range);
    const reverse = range.reverse === true;
    const pending = this.#pendingIn(bounds);
    // Each pending delete can hide one stored entry, so fetch that many more than the limit.
    let deletes = 0;
    for (const write of pending.values()) if (write.value === undefined) deletes++;
    const want = range.limit === undefined ? undefined : range.limit + deletes;
    const id = boundsId(bounds, reverse);
    const fetched = this.group.range(id, want);
    if (fetched === undefined) {
      this.miss ??= { kind: 'range', id, bounds, reverse, want };
      throw new ReadMiss(this.miss);
    }
    return merge(fetched, pending, reverse, range.limit);
  }

  /** Pending writes (own over the group's) inside `bounds`. */
  #pendingIn(bounds: Bounds): Map<string, PendingWrite> {
    const byId = new Map<string, PendingWrite>();
    for (const [id, write] of this.group.writes) if (inBounds(write.key, bounds)) byId.set(id, write);
    for (const [id, write] of this.writes) if (inBounds(write.key, bounds)) byId.set(id, write);
    return byId;
  }

  #assertLive(): void {
    if (this.#finished) throw new StoreError('CLOSED', 'postgres: tx used after its transaction function returned');
  }
}

/** Stored entries overlaid with pending writes (pending wins), in order, cut at `limit`. */
function merge(
  fetched: FetchedRange,
  pending: Map<string, PendingWrite>,
  reverse: boolean,
  limit: number | undefined,
): Array<[Bytes, Bytes]> {
  const order = (a: Bytes, b: Bytes) => (reverse ? compareKeys(b, a) : compareKeys(a, b));
  // When the fetch stopped early, only keys up to the last fetched one are fully known; the `want`
  // arithmetic in `range` guarantees that at least `limit` merged entries lie within that horizon.
  const horizon = fetched.complete ? undefined : fetched.entries.at(-1)?.[0];
  const merged = new Map<string, [Bytes, Bytes]>();
  for (const entry of fetched.entries) merged.set(byteId(entry[0]), entry);
  for (const [id, write] of pending) {
    if (write.value === undefined) merged.delete(id);
    else if (horizon === undefined || order(write.key, horizon) <= 0) merged.set(id, [write.key, write.value]);
  }
  const out = [...merged.values()].sort((a, b) => order(a[0], b[0]));
  return limit === undefined ? out : out.slice(0, limit);
}

/** Outcome of one run of a transaction function. */
export type RunOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly writes: Map<string, PendingWrite> }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'miss'; readonly request: ReadRequest };

/** Runs `fn` once against the group; the caller fetches a missed read and runs it again. */
export function runOnce<T>(group: GroupState, fn: (tx: Tx) => T): RunOutcome<T> {
  const tx = new GroupTx(group);
  let outcome: RunOutcome<T>;
  try {
    outcome = { kind: 'done', value: fn(tx), writes: tx.writes };
  } catch (error) {
    outcome = { kind: 'failed', error };
  }
  tx.finish();
  // A miss wins over whatever the function did with the marker: that run saw incomplete data.
  if (tx.miss !== undefined) return { kind: 'miss', request: tx.miss };
  return outcome;
}
