import { decodeKey, encodeKeyPooled, rangeToBytes } from '../keys/index.js';
import { toStoreError } from '../runtime/to-store-error.js';
import type { ByteRange, SyncReader } from '../spi/backend.js';
import type { Codec, Key, KvReader, Range } from '../types.js';
import { afterPage, nextPage } from './read-pages.js';
import { rangeAfter } from './ttl.js';
import { TTL_TAG } from './ttl-record.js';
import { decodeValue } from './value-envelope.js';

/** Whether a stored TTL record (`stored[0] === TTL_TAG`) under `key` lives now. */
export type Alive = (key: Uint8Array, stored: Uint8Array) => boolean;

/**
 * `DomainStore.read`'s reader over a backend's synchronous snapshot: keys encoded and decoded, values
 * decoded with `codec`, expired TTL records hidden (a limited range reads on for as many as it hid),
 * every failure a `StoreError`, as the handle's own reads do. A class, not closures: one is made per read.
 */
export class SyncKvReader<V> implements KvReader<V> {
  readonly #reader: SyncReader;
  readonly #codec: Codec<V>;
  readonly #alive: Alive;

  constructor(reader: SyncReader, codec: Codec<V>, alive: Alive) {
    this.#reader = reader;
    this.#codec = codec;
    this.#alive = alive;
  }

  get(key: Key): V | undefined {
    try {
      const k = encodeKeyPooled(key);
      return this.#live(k, this.#reader.get(k));
    } catch (err) {
      throw toStoreError(err);
    }
  }

  getMany(keys: readonly Key[]): Array<V | undefined> {
    try {
      const encoded = keys.map((key) => encodeKeyPooled(key));
      const values = this.#reader.getMany(encoded);
      const out = new Array<V | undefined>(values.length);
      for (let i = 0; i < values.length; i++) out[i] = this.#live(encoded[i] as Uint8Array, values[i]);
      return out;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  entries(range: Range): Array<[Key, V]> {
    const out: Array<[Key, V]> = [];
    this.#scan(range, (k, stored) => out.push([decodeKey(k), decodeValue(this.#codec, stored)]));
    return out;
  }

  keys(range: Range): Key[] {
    const out: Key[] = [];
    this.#scan(range, (k) => out.push(decodeKey(k)));
    return out;
  }

  /** Hands each live entry of `range` to `take`, in order. */
  #scan(range: Range, take: (k: Uint8Array, stored: Uint8Array) => void): void {
    try {
      let r: ByteRange | undefined = rangeToBytes(range);
      while (r !== undefined) {
        let seen = 0;
        let hidden = 0;
        let last: Uint8Array | undefined;
        for (let window: ByteRange | undefined = r; window !== undefined; ) {
          const page = nextPage(window);
          const rows = this.#reader.range(page);
          for (const [k, stored] of rows) {
            seen++;
            last = k;
            if (stored[0] === TTL_TAG && !this.#alive(k, stored)) hidden++;
            else take(k, stored);
          }
          window = afterPage(window, page, rows);
        }
        r = hidden === 0 ? undefined : rangeAfter(r, seen, last, hidden);
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  #live(k: Uint8Array, bytes: Uint8Array | undefined): V | undefined {
    return bytes === undefined || (bytes[0] === TTL_TAG && !this.#alive(k, bytes)) ? undefined : decodeValue(this.#codec, bytes);
  }
}

/** The point and range reads of one engine call each, with the guard (`GatedBackend`'s). */
export interface SingleReads {
  getSync(key: Uint8Array): Uint8Array | undefined;
  rangeSync(range: ByteRange): Array<[Uint8Array, Uint8Array]>;
}

/**
 * A `SyncReader` for a read that may need only one engine call: it makes the first through `reads`
 * (its own snapshot), and at a second, which would need the first's snapshot, it sets `more` and
 * throws, so that the caller runs the whole read again in `readSync`.
 */
export class FirstRead implements SyncReader {
  readonly #reads: SingleReads;
  #used = false;
  /** Set when a second read was asked for: the result of this run must be dropped. */
  more = false;

  constructor(reads: SingleReads) {
    this.#reads = reads;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#once();
    return this.#reads.getSync(key);
  }

  getMany(_keys: readonly Uint8Array[]): Array<Uint8Array | undefined> {
    return this.#again();
  }

  range(range: ByteRange): Array<[Uint8Array, Uint8Array]> {
    this.#once();
    return this.#reads.rangeSync(range);
  }

  #once(): void {
    if (this.#used) this.#again();
    this.#used = true;
  }

  #again(): never {
    this.more = true;
    throw new Error('more than one engine call: run again on one snapshot');
  }
}

/** The handle reads `replayRead` fetches through. */
export interface AsyncKvReads<V> {
  get(key: Key): Promise<V | undefined>;
  getMany(keys: readonly Key[]): Promise<Array<V | undefined>>;
  entries(range: Range): AsyncIterable<[Key, V]>;
  keys(range: Range): AsyncIterable<Key>;
}

/** Thrown through `fn` at a read not fetched yet. */
const NOT_FETCHED = Symbol('not fetched');

/**
 * `DomainStore.read` without synchronous reads: `fn` runs until it asks for something not fetched
 * yet, which is then fetched through `reads`, and runs again, until it finishes. Each read is as
 * consistent as the same read through the handle (no snapshot across them).
 */
export async function replayRead<V, T>(fn: (reader: KvReader<V>) => T, reads: AsyncKvReads<V>): Promise<T> {
  const fetched = new Map<string, unknown>();
  for (;;) {
    let wanted: { readonly id: string; readonly fetch: () => Promise<unknown> } | undefined;
    const ask = <R>(id: string, fetch: () => Promise<R>): R => {
      if (fetched.has(id)) return fetched.get(id) as R;
      wanted ??= { id, fetch };
      throw NOT_FETCHED;
    };
    const reader: KvReader<V> = {
      get: (key) => ask(`g${JSON.stringify(key)}`, () => reads.get(key)),
      getMany: (keys) => ask(`m${JSON.stringify(keys)}`, () => reads.getMany(keys)),
      entries: (range) => ask(`e${JSON.stringify(range)}`, () => collect(reads.entries(range))),
      keys: (range) => ask(`k${JSON.stringify(range)}`, () => collect(reads.keys(range))),
    };
    let result: T | undefined;
    try {
      result = fn(reader);
    } catch (err) {
      // Decided by what was asked, not by the error: `fn` may have caught the marker and thrown its own.
      if (wanted === undefined) throw err;
    }
    if (wanted === undefined) return result as T;
    fetched.set(wanted.id, await wanted.fetch());
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
