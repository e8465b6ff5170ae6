/**
 * How artifact bytes are laid out in chunks: a blob put whole is one chunk (its entry says so), and
 * an entry written by earlier versions (CHUNK_BYTES chunks, no chunk size recorded) still reads,
 * streams and deletes completely.
 */
import { describe, expect, it } from 'vitest';
import {
  CHUNK_BYTES,
  CHUNK_RANGE,
  chunkKey,
  chunkRange,
  decodeEntry,
  ENTRY_RANGE,
  encodeEntry,
  entryKey,
} from '../src/artifacts/artifact-layout.js';
import { createStore, memoryAdapter } from '../src/index.js';
import type { Adapter, ByteRange, Bytes, DomainBackend } from '../src/spi/index.js';

/** The memory adapter, keeping each domain's backend so the test can read and rewrite raw keys. */
function capturing(backends: Map<string, DomainBackend>): Adapter {
  return {
    ...memoryAdapter,
    name: 'capture',
    async open(ctx) {
      const inner = await memoryAdapter.open(ctx);
      return {
        ...inner,
        async domain(domain, options) {
          const backend = await inner.domain(domain, options as never);
          backends.set(domain, backend);
          return backend;
        },
      };
    },
  };
}

async function open() {
  const backends = new Map<string, DomainBackend>();
  const store = await createStore({ adapters: [capturing(backends)], default: { adapter: 'capture' } });
  const artifacts = store.artifacts('art');
  await artifacts.put('warm', new Uint8Array(1));
  const backend = backends.get('art');
  if (!backend) throw new Error('the artifacts domain was not opened');
  return { store, artifacts, backend };
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

/** Byte equality without vitest's element-wise diff (slow on a megabyte). */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

async function all(backend: DomainBackend, range: ByteRange): Promise<Array<[Bytes, Bytes]>> {
  const out: Array<[Bytes, Bytes]> = [];
  for await (const entry of backend.range(range)) out.push(entry);
  return out;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

describe('artifact chunk layout', () => {
  it('a blob put whole is stored as one chunk and read back as that value', async () => {
    const { store, artifacts, backend } = await open();
    const blob = bytes(3 * CHUNK_BYTES + 5, 1);
    await artifacts.put('a', blob);
    const raw = await backend.get(entryKey('a'));
    const entry = decodeEntry(raw as Bytes);
    expect(entry.chunkBytes).toBe(blob.byteLength);
    const chunks = (await all(backend, CHUNK_RANGE)).filter(([, v]) => v.byteLength > 1);
    expect(chunks.map(([, v]) => v.byteLength)).toEqual([blob.byteLength]);
    expect(same(await artifacts.get('a'), blob)).toBe(true);
    const stream = await artifacts.getStream('a');
    expect(same(await collect(stream as AsyncIterable<Uint8Array>), blob)).toBe(true);
    await store.close();
  });

  it('an entry of the earlier layout (CHUNK_BYTES chunks, no chunk size) reads, streams and deletes', async () => {
    const { store, artifacts, backend } = await open();
    const blob = bytes(2 * CHUNK_BYTES + 17, 2);
    await artifacts.put('old', blob);
    const entry = decodeEntry((await backend.get(entryKey('old'))) as Bytes);
    // Rewrite it as an earlier version stored it: three chunks, an entry without `k`.
    await backend.transact((tx) => {
      tx.del(chunkKey(entry.blob, 0));
      for (let i = 0, at = 0; at < blob.byteLength; i++, at += CHUNK_BYTES) {
        tx.put(chunkKey(entry.blob, i), blob.slice(at, Math.min(at + CHUNK_BYTES, blob.byteLength)));
      }
      const { chunkBytes: _dropped, ...legacy } = entry;
      tx.put(entryKey('old'), encodeEntry(legacy));
    });
    const stored = decodeEntry((await backend.get(entryKey('old'))) as Bytes);
    expect(stored.chunkBytes).toBeUndefined();
    expect(same(await artifacts.get('old'), blob)).toBe(true);
    const stream = await artifacts.getStream('old');
    expect(same(await collect(stream as AsyncIterable<Uint8Array>), blob)).toBe(true);
    expect(await artifacts.delete('old')).toBe(true);
    expect(await all(backend, chunkRange(entry.blob))).toEqual([]);
    expect((await all(backend, ENTRY_RANGE)).length).toBe(1); // only 'warm'
    await store.close();
  });

  it('an entry with a malformed chunk size is refused as DECODE', async () => {
    const { store, artifacts, backend } = await open();
    await artifacts.put('bad', bytes(10, 3));
    const raw = JSON.parse(Buffer.from((await backend.get(entryKey('bad'))) as Bytes).toString('utf8')) as Record<string, unknown>;
    await backend.transact((tx) => tx.put(entryKey('bad'), Buffer.from(JSON.stringify({ ...raw, k: 0 }))));
    await expect(artifacts.get('bad')).rejects.toMatchObject({ code: 'DECODE' });
    await store.close();
  });
});
