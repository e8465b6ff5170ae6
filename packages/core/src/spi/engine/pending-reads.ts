import { compareBytes } from '../../keys/bytes.js';
import type { ByteRange, Bytes, CounterUpdate, DomainBackend, TransactOptions, Tx, WriteGuard } from '../backend.js';
import type { BufferedWrite } from './tx-engine.js';
import type { PendingWrites } from './write-behind.js';

/** What a `PendingReadsBackend` needs of the commit queue its domain writes through. */
export interface PendingSource<D> {
  /** The queue's acknowledged, not yet committed writes. */
  readonly pending: PendingWrites<D>;
  /** Commits what is queued now; resolves once it has settled. */
  flush(): Promise<void>;
}

/**
 * A `fast` domain's backend as its process sees it (SPEC §9.2): reads overlay the writes the commit
 * queue has acknowledged but not committed yet, so a process reads its own writes at once. Point
 * reads and scans merge the overlay (no wait); `count` commits the pending writes of its range
 * first (it would otherwise need a read per pending key). Writes pass through unchanged.
 */
export class PendingReadsBackend<D> implements DomainBackend {
  readonly #inner: DomainBackend;
  readonly #source: PendingSource<D>;
  readonly #domain: D;
  /** Present when the wrapped backend has it. */
  readonly updateCounters?: (updates: readonly CounterUpdate[], guard?: WriteGuard) => Promise<Bytes[]>;
  /** Present when the wrapped backend has it. */
  readonly sizeBytes?: () => Promise<number | undefined>;

  constructor(inner: DomainBackend, source: PendingSource<D>, domain: D) {
    this.#inner = inner;
    this.#source = source;
    this.#domain = domain;
    if (inner.updateCounters) this.updateCounters = inner.updateCounters.bind(inner);
    if (inner.sizeBytes) this.sizeBytes = inner.sizeBytes.bind(inner);
  }

  get(key: Bytes): Promise<Bytes | undefined> {
    const pending = this.#source.pending.find(this.#domain, key);
    return pending === undefined ? this.#inner.get(key) : Promise.resolve(pending.value);
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    const { pending } = this.#source;
    if (pending.empty) return this.#inner.getMany(keys);
    const found = keys.map((key) => pending.find(this.#domain, key));
    const missing = keys.filter((_, i) => found[i] === undefined);
    const stored = missing.length === 0 ? [] : await this.#inner.getMany(missing);
    let next = 0;
    return keys.map((_, i) => {
      const hit = found[i];
      return hit === undefined ? stored[next++] : hit.value;
    });
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    const pending = this.#source.pending.inRange(this.#domain, range);
    if (pending.length === 0) {
      yield* this.#inner.range(range);
      return;
    }
    yield* mergePending(this.#inner, range, pending);
  }

  async count(range: ByteRange): Promise<number> {
    if (this.#source.pending.inRange(this.#domain, range).length > 0) await this.#source.flush();
    return this.#inner.count(range);
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    return this.#inner.transact(fn, options);
  }

  clear(guard?: WriteGuard): Promise<void> {
    return this.#inner.clear(guard);
  }
}

/**
 * The stored entries of `range` merged with the pending writes in it (sorted in the range's order):
 * a pending write replaces the stored entry of its key, a pending delete hides it. Each pending
 * delete can hide one stored entry, so that many more stored ones suffice for `limit` results.
 */
async function* mergePending(inner: DomainBackend, range: ByteRange, pending: readonly BufferedWrite[]): AsyncIterable<[Bytes, Bytes]> {
  let deletes = 0;
  for (const write of pending) if (write.value === undefined) deletes++;
  const limit = range.limit ?? Number.POSITIVE_INFINITY;
  const stored = range.limit === undefined ? range : { ...range, limit: range.limit + deletes };
  const direction = range.reverse === true ? -1 : 1;
  let emitted = 0;
  let next = 0;
  for await (const entry of inner.range(stored)) {
    // Pending writes ordered before this stored key come first.
    for (let write = pending[next]; write !== undefined; write = pending[++next]) {
      const order = compareBytes(write.key, entry[0]) * direction;
      if (order > 0) break;
      if (write.value !== undefined) {
        yield [write.key, write.value];
        if (++emitted >= limit) return;
      }
      if (order === 0) break;
    }
    const same = pending[next] !== undefined && compareBytes((pending[next] as BufferedWrite).key, entry[0]) === 0;
    if (same) {
      next++;
      continue;
    }
    yield entry;
    if (++emitted >= limit) return;
  }
  for (; next < pending.length && emitted < limit; next++) {
    const write = pending[next] as BufferedWrite;
    if (write.value === undefined) continue;
    yield [write.key, write.value];
    emitted++;
  }
}
