import type { ByteRange, Bytes, DomainBackend, SyncReader, Tx, WriteGuard } from '../spi/backend.js';
import { byteId } from '../spi/bounds.js';
import { nextTurn, TurnBudget } from '../spi/engine/turn-budget.js';
import { enforceWriteGuard } from '../spi/write-guard.js';
import { SortedKeys } from './sorted-keys.js';

/** A stored entry: the key's bytes beside its value, so scans never rebuild keys. */
type Entry = readonly [key: Uint8Array, value: Uint8Array];

/** Whether a latin1 key falls inside `range`'s bounds (limit and order ignored). */
function inBounds(key: string, range: ByteRange): boolean {
  if (range.gte && key < byteId(range.gte)) return false;
  if (range.gt && key <= byteId(range.gt)) return false;
  if (range.lt && key >= byteId(range.lt)) return false;
  if (range.lte && key > byteId(range.lte)) return false;
  return true;
}

/**
 * One memory domain: a chunked sorted key list beside a map of entries. Values are copied on the
 * way in; what reads return is the stored bytes, which core only reads.
 */
export class MemoryBackend implements DomainBackend {
  readonly #order = new SortedKeys();
  readonly #entries = new Map<string, Entry>();
  readonly #reader: SyncReader = {
    get: (key) => this.#entries.get(byteId(key))?.[1],
    getMany: (keys) => keys.map((k) => this.#entries.get(byteId(k))?.[1]),
    range: (range) => this.#rangeSync(range),
  };

  async get(key: Bytes): Promise<Bytes | undefined> {
    return this.#entries.get(byteId(key))?.[1];
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    return keys.map((k) => this.#entries.get(byteId(k))?.[1]);
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    // Collected first, so writes made while the caller iterates neither shift nor break the scan.
    for (const entry of this.#rangeSync(range)) yield entry;
  }

  readSync<T>(fn: (reader: SyncReader) => T, guard?: WriteGuard): T {
    const result = fn(this.#reader);
    enforceWriteGuard(guard, this.#reader.get);
    return result;
  }

  getSync(key: Bytes, guard?: WriteGuard): Bytes | undefined {
    const value = this.#entries.get(byteId(key))?.[1];
    enforceWriteGuard(guard, this.#reader.get);
    return value;
  }

  async count(range: ByteRange): Promise<number> {
    return this.#order.count(range);
  }

  /** Writes applied since the event loop last turned: past the budget, a write resolves in the next turn. */
  readonly #turn = new TurnBudget();

  transact<T>(fn: (tx: Tx) => T): Promise<T> {
    try {
      const result = this.#apply(fn);
      if (!this.#turn.available) return nextTurn(result);
      this.#turn.spend();
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `fn` and applies its writes at once (visible to every read from here on). */
  #apply<T>(fn: (tx: Tx) => T): T {
    const writes = new Map<string, Entry | null>();
    const get = (key: Bytes): Bytes | undefined => {
      const pending = writes.get(byteId(key));
      return pending === undefined ? this.#entries.get(byteId(key))?.[1] : (pending?.[1] ?? undefined);
    };
    const tx: Tx = {
      get,
      getMany: (keys) => keys.map(get),
      range: (range) => this.#rangeWith(range, writes),
      // Copies (`new Uint8Array`, not `slice()`, which is a view of the same memory for a Buffer).
      put: (key, value) => void writes.set(byteId(key), [new Uint8Array(key), new Uint8Array(value)]),
      del: (key) => void writes.set(byteId(key), null),
    };
    const result = fn(tx);
    for (const [k, entry] of writes) {
      if (entry === null) {
        if (this.#entries.delete(k)) this.#order.remove(k);
      } else {
        if (!this.#entries.has(k)) this.#order.insert(k);
        this.#entries.set(k, entry);
      }
    }
    return result;
  }

  async clear(guard?: WriteGuard): Promise<void> {
    enforceWriteGuard(guard, (key) => this.#entries.get(byteId(key))?.[1]);
    this.#order.clear();
    this.#entries.clear();
  }

  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const [key, value] of this.#entries.values()) total += key.byteLength + value.byteLength;
    return total;
  }

  #rangeSync(range: ByteRange): Array<[Bytes, Bytes]> {
    const out: Array<[Bytes, Bytes]> = [];
    for (const k of this.#order.keys(range)) {
      const [key, value] = this.#entries.get(k) as Entry;
      out.push([key, value]);
    }
    return out;
  }

  /** A range read inside a transaction: committed entries merged with the transaction's writes. */
  #rangeWith(range: ByteRange, writes: Map<string, Entry | null>): Array<[Bytes, Bytes]> {
    if (writes.size === 0) return this.#rangeSync(range);
    const merged = new Map<string, Entry>();
    for (const k of this.#order.keys({ ...range, limit: undefined })) merged.set(k, this.#entries.get(k) as Entry);
    for (const [k, entry] of writes) {
      if (!inBounds(k, range)) continue;
      if (entry === null) merged.delete(k);
      else merged.set(k, entry);
    }
    const keys = [...merged.keys()].sort();
    if (range.reverse) keys.reverse();
    const limited = range.limit === undefined ? keys : keys.slice(0, range.limit);
    return limited.map((k) => {
      const [key, value] = merged.get(k) as Entry;
      return [key, value];
    });
  }
}
