import { chunkKey, decodeEntry, type Entry, entryKey } from './artifact-layout.js';

/** Keys whose encoded entry key and last decoded entry one handle keeps; past this the cache starts over. */
const CACHED_KEYS = 256;

/** What the cache holds for one key. */
interface Slot {
  readonly entryKey: Uint8Array;
  /** The stored entry bytes `entry` was decoded from (a copy), if any yet. */
  bytes: Uint8Array | undefined;
  entry: Entry | undefined;
  /** `chunkKey(entry.blob, 0)`. */
  firstChunk: Uint8Array | undefined;
}

/**
 * Per-handle memo of the hot part of a `get` hit: a key's encoded entry key, and its entry (with its
 * first chunk's key) decoded from stored bytes that are compared with the bytes read now (equal bytes
 * decode to the same entry, so a hit on an unchanged entry decodes and encodes nothing).
 *
 * Issue 17: nothing kept the 1 MiB results alive (a full collection mid-run frees them all), but the
 * short-lived objects a hit made next to each result (key encodings, JSON text and parse, the decoded
 * entry) kept V8 starting incremental marking right after young collections, 15-20 full collections
 * per 1,000 hits against 3 for a raw read; a raw read plus as many small garbage objects measured the
 * same, and the count falls with the garbage per read.
 */
export class EntryCache {
  readonly #slots = new Map<string, Slot>();

  /** The encoded entry key of `key` (the same array for every call: callers must not change it). */
  entryKey(key: string): Uint8Array {
    return this.#slot(key).entryKey;
  }

  /** The entry of `key` decoded from `bytes` (read now), reusing the last decode when the bytes are equal. */
  entry(key: string, bytes: Uint8Array): Entry {
    const slot = this.#slot(key);
    const known = slot.bytes;
    if (known !== undefined && slot.entry !== undefined && Buffer.compare(known, bytes) === 0) return slot.entry;
    const entry = decodeEntry(bytes); // throws on malformed bytes: nothing is cached then
    slot.bytes = new Uint8Array(bytes); // a copy (`slice` of a Buffer is a view): a read buffer may be reused
    slot.entry = entry;
    slot.firstChunk = chunkKey(entry.blob, 0);
    return entry;
  }

  /** The key of the first chunk of the entry `entry(key, …)` returned last (the same array each call). */
  firstChunk(key: string): Uint8Array | undefined {
    return this.#slots.get(key)?.firstChunk;
  }

  #slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      if (this.#slots.size >= CACHED_KEYS) this.#slots.clear();
      slot = { entryKey: entryKey(key), bytes: undefined, entry: undefined, firstChunk: undefined };
      this.#slots.set(key, slot);
    }
    return slot;
  }
}
