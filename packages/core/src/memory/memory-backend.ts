import type { ByteRange, Bytes, DomainBackend, Tx } from '../spi/backend.js';
import { fromLatin1, indexOf, toLatin1, window } from './sorted-keys.js';

/** One memory domain: a sorted key array beside a map, both keyed by latin1 strings. */
export class MemoryBackend implements DomainBackend {
  #keys: string[] = [];
  #values = new Map<string, Uint8Array>();

  async get(key: Bytes): Promise<Bytes | undefined> {
    return this.#read(key);
  }

  async getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    return keys.map((k) => this.#read(k));
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    // Snapshot the window first so writes made while the caller iterates do not shift it.
    for (const entry of this.#rangeSync(range)) yield entry;
  }

  async count(range: ByteRange): Promise<number> {
    const [start, end] = window(this.#keys, range);
    return range.limit === undefined ? end - start : Math.min(end - start, range.limit);
  }

  async transact<T>(fn: (tx: Tx) => T): Promise<T> {
    const writes = new Map<string, Uint8Array | null>();
    const tx: Tx = {
      get: (key) => {
        const k = toLatin1(key);
        const pending = writes.get(k);
        if (pending !== undefined) return pending === null ? undefined : pending.slice();
        return this.#read(key);
      },
      range: (range) => this.#rangeWith(range, writes),
      put: (key, value) => void writes.set(toLatin1(key), value.slice()),
      del: (key) => void writes.set(toLatin1(key), null),
    };
    const result = fn(tx);
    for (const [k, v] of writes) {
      if (v === null) this.#delete(k);
      else this.#set(k, v);
    }
    return result;
  }

  async clear(): Promise<void> {
    this.#keys = [];
    this.#values.clear();
  }

  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const [k, v] of this.#values) total += k.length + v.byteLength;
    return total;
  }

  #read(key: Bytes): Bytes | undefined {
    return this.#values.get(toLatin1(key))?.slice();
  }

  #rangeSync(range: ByteRange): Array<[Bytes, Bytes]> {
    const [start, end] = window(this.#keys, range);
    const limit = range.limit ?? Number.POSITIVE_INFINITY;
    const out: Array<[Bytes, Bytes]> = [];
    if (range.reverse) {
      for (let i = end - 1; i >= start && out.length < limit; i--) out.push(this.#entryAt(i));
    } else {
      for (let i = start; i < end && out.length < limit; i++) out.push(this.#entryAt(i));
    }
    return out;
  }

  /** A range read inside a transaction: committed entries merged with the transaction's writes. */
  #rangeWith(range: ByteRange, writes: Map<string, Uint8Array | null>): Array<[Bytes, Bytes]> {
    if (writes.size === 0) return this.#rangeSync(range);
    const merged = new Map<string, Uint8Array>();
    for (const [k, v] of this.#rangeSync({ ...range, limit: undefined })) merged.set(toLatin1(k), v);
    const probe = [''];
    for (const [k, v] of writes) {
      probe[0] = k;
      const [s, e] = window(probe, range);
      if (s === e) continue;
      if (v === null) merged.delete(k);
      else merged.set(k, v.slice());
    }
    const keys = [...merged.keys()].sort();
    if (range.reverse) keys.reverse();
    const limited = range.limit === undefined ? keys : keys.slice(0, range.limit);
    return limited.map((k) => [fromLatin1(k), merged.get(k) as Uint8Array]);
  }

  #entryAt(i: number): [Bytes, Bytes] {
    const k = this.#keys[i] as string;
    return [fromLatin1(k), (this.#values.get(k) as Uint8Array).slice()];
  }

  #set(k: string, v: Uint8Array): void {
    if (!this.#values.has(k)) {
      const at = indexOf(this.#keys, k);
      this.#keys.splice(~at, 0, k);
    }
    this.#values.set(k, v);
  }

  #delete(k: string): void {
    if (!this.#values.delete(k)) return;
    const at = indexOf(this.#keys, k);
    if (at >= 0) this.#keys.splice(at, 1);
  }
}
