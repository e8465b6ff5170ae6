/**
 * The per-handle memo of `get` hits (issue 17): a decoded entry is reused only while the stored entry
 * bytes read now equal the ones it was decoded from; other bytes (the blob was replaced) decode anew,
 * and malformed bytes throw without being remembered.
 */
import { describe, expect, it } from 'vitest';
import { chunkKey, type Entry, encodeEntry, entryKey } from '../src/artifacts/artifact-layout.js';
import { EntryCache } from '../src/artifacts/entry-cache.js';

const entryOf = (blob: number): Entry => ({ blob, size: 3, tier: 1, seq: 1, lastUsed: 1, createdAt: 1, meta: {}, leases: [] });

describe('EntryCache', () => {
  it('reuses the decoded entry for equal bytes and decodes again when they change', () => {
    const cache = new EntryCache();
    const first = cache.entry('k', encodeEntry(entryOf(7)));
    expect(first.blob).toBe(7);
    expect(cache.entry('k', encodeEntry(entryOf(7)))).toBe(first);
    expect(cache.firstChunk('k')).toEqual(chunkKey(7, 0));
    const replaced = cache.entry('k', encodeEntry(entryOf(8)));
    expect(replaced.blob).toBe(8);
    expect(cache.firstChunk('k')).toEqual(chunkKey(8, 0));
  });

  it('keeps its own copy of the bytes (a reused read buffer cannot change what it compares with)', () => {
    const cache = new EntryCache();
    const bytes = encodeEntry(entryOf(7));
    cache.entry('k', bytes);
    const other = encodeEntry(entryOf(9));
    expect(other.byteLength).toBe(bytes.byteLength);
    bytes.set(other);
    expect(cache.entry('k', bytes).blob).toBe(9);
  });

  it('throws on malformed bytes and remembers nothing from them', () => {
    const cache = new EntryCache();
    const good = cache.entry('k', encodeEntry(entryOf(7)));
    expect(() => cache.entry('k', new TextEncoder().encode('{"b":-1}'))).toThrow(/malformed/);
    expect(cache.entry('k', encodeEntry(entryOf(7)))).toBe(good);
  });

  it('encodes each key once', () => {
    const cache = new EntryCache();
    expect(cache.entryKey('k')).toEqual(entryKey('k'));
    expect(cache.entryKey('k')).toBe(cache.entryKey('k'));
  });
});
