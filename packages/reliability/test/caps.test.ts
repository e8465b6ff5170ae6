/**
 * Issue 4, item 6: caps are checked before anything is written or decoded, on every adapter (memory
 * included). The adapter is wrapped in a spy that counts the backend transactions core starts, so
 * "nothing written" is shown as "no transaction was even begun", not only "the key is absent"; the
 * spy also gives the raw backend, to store bytes behind the API.
 *
 * - Value size: `maxValueBytes` on kv `put`/`putMany`, checkpoint `save` and journal `append` →
 *   `VALUE_TOO_LARGE`, zero transactions; exactly `maxValueBytes` is accepted.
 * - Nesting depth: encoding a value nested past the codec's cap (1,000 containers) → `INVALID_VALUE`
 *   (default and JSON codecs, kv and journal; checkpoint metadata past its own cap of 100), zero
 *   transactions; decoding stored bytes nested past the cap → `DECODE`, at the cap → the value.
 * - Collection counts: stored headers claiming 2^31 elements → `DECODE`, without allocating them.
 */
import { createStore, type Json, jsonCodec, memoryAdapter, rawCodec, type Store } from '@agentstore/core';
import { type Adapter, type AdapterInstance, type DomainBackend, encodeKey } from '@agentstore/core/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistentAdapters } from './harness/adapters.js';
import { TempDirs } from './harness/temp-dirs.js';
import { nestedArrays, varint } from './hostile/hostile-bytes.js';

const MAX = 4096;
const CODEC_DEPTH = 1000;
const METADATA_DEPTH = 100;

/** What the spy saw: transactions begun per domain, and each domain's backend. */
interface Spy {
  readonly adapter: Adapter;
  transacts: number;
  readonly backends: Map<string, DomainBackend>;
}

/** Binds methods so class instances with private fields keep working behind the proxy. */
function forward<T extends object>(target: T, prop: PropertyKey): unknown {
  const value = Reflect.get(target, prop, target);
  return typeof value === 'function' ? value.bind(target) : value;
}

/** The memory adapter is always registered under its own name: the spied one needs another. */
function spyOn(inner: Adapter): Spy {
  const spy: Spy = {
    transacts: 0,
    backends: new Map(),
    adapter: {
      name: inner === memoryAdapter ? 'spied_memory' : inner.name,
      optionsSchema: inner.optionsSchema,
      capabilities: inner.capabilities,
      async open(ctx) {
        const instance = await inner.open(ctx);
        return new Proxy(instance, {
          get(target, prop) {
            if (prop !== 'domain') return forward(target, prop);
            return async (domain: string, options: Parameters<AdapterInstance['domain']>[1]) => {
              const backend = await target.domain(domain, options);
              const watched = new Proxy(backend, {
                get(b, p) {
                  if (p !== 'transact') return forward(b, p);
                  return <R>(fn: Parameters<DomainBackend['transact']>[0]) => {
                    spy.transacts++;
                    return b.transact(fn) as Promise<R>;
                  };
                },
              });
              spy.backends.set(domain, watched);
              return watched;
            };
          },
        });
      },
    },
  };
  return spy;
}

/** `depth` arrays nested in one another. */
function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** `depth` objects nested in one another. */
function deepObject(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? `not a StoreError: ${(error as Error).message}`;
  }
}

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const ADAPTERS: readonly Adapter[] = [memoryAdapter, ...persistentAdapters.map((a) => a.adapter)];

describe.each(ADAPTERS.map((a) => [a.name, a] as const))('caps before writing and decoding: %s', (name, inner) => {
  const spy = spyOn(inner);
  const routed = spy.adapter.name;
  let store: Store;

  beforeAll(async () => {
    const route = { adapter: routed, options: { maxValueBytes: MAX } };
    store = await createStore({
      dataDir: dirs.make(`caps-${name}`),
      adapters: [spy.adapter],
      default: { adapter: routed },
      domains: { capped_kv: route, capped_raw: route, capped_cp: route, capped_log: route },
    });
    // Record each domain's kind with a normal write first, so a rejected call has nothing to set up.
    await store.kv('capped_kv').put('seed', 1);
    await store.kv('capped_raw', { codec: rawCodec }).put('seed', Uint8Array.of(1));
    await store.checkpoints('capped_cp').save('seed', { data: Uint8Array.of(1) });
    await store.journal('capped_log').append('seed', [1]);
    await store.kv('deep').put('seed', 1);
  });
  afterAll(async () => {
    await store?.close();
  });

  /** The code `call` fails with, and how many backend transactions it began. */
  async function attempt(call: () => Promise<unknown>): Promise<{ code: string; transactions: number }> {
    const before = spy.transacts;
    const code = await codeOf(call());
    return { code, transactions: spy.transacts - before };
  }

  const refused = (code: string) => ({ code, transactions: 0 });

  it('maxValueBytes: kv put and putMany are refused before any transaction, and write nothing', async () => {
    const kv = store.kv<unknown>('capped_kv');
    expect(await attempt(() => kv.put('big', new Uint8Array(MAX + 1)))).toEqual(refused('VALUE_TOO_LARGE'));
    expect(
      await attempt(() =>
        kv.putMany([
          ['fits', 1],
          ['big', 'x'.repeat(MAX + 1)],
        ]),
      ),
    ).toEqual(refused('VALUE_TOO_LARGE'));
    expect(await kv.getMany(['big', 'fits'])).toEqual([undefined, undefined]);
  });

  it('maxValueBytes is inclusive: exactly the limit is stored, one byte more is refused', async () => {
    const raw = store.kv<Uint8Array>('capped_raw', { codec: rawCodec });
    // The spy sees the transaction of a write that is accepted (so its zeros elsewhere mean something).
    expect(await attempt(() => raw.put('exact', new Uint8Array(MAX)))).toEqual({ code: 'resolved', transactions: 1 });
    expect(await attempt(() => raw.put('over', new Uint8Array(MAX + 1)))).toEqual(refused('VALUE_TOO_LARGE'));
    expect((await raw.get('exact'))?.length).toBe(MAX);
    expect(await raw.get('over')).toBeUndefined();
  });

  it('maxValueBytes: a checkpoint save over the limit is refused before any transaction', async () => {
    const checkpoints = store.checkpoints('capped_cp');
    expect(await attempt(() => checkpoints.save('t', { data: new Uint8Array(MAX + 1) }))).toEqual(refused('VALUE_TOO_LARGE'));
    expect(await checkpoints.list('t')).toEqual([]);
    expect((await attempt(() => checkpoints.save('t', { data: new Uint8Array(MAX) }))).code).toBe('resolved');
  });

  it('maxValueBytes: a journal append with one value over the limit is refused whole, before any transaction', async () => {
    const journal = store.journal<unknown>('capped_log');
    const before = await journal.lastSeq('events');
    expect(await attempt(() => journal.append('events', ['small', 'y'.repeat(MAX + 1)]))).toEqual(refused('VALUE_TOO_LARGE'));
    expect(await journal.lastSeq('events')).toBe(before);
  });

  it(`nesting: encoding past ${CODEC_DEPTH} containers is INVALID_VALUE before any transaction; at the cap it is stored`, async () => {
    const kv = store.kv<unknown>('deep');
    const json = store.kv<unknown>('deep', { codec: jsonCodec });
    expect(await attempt(() => kv.put('arrays', deepArray(CODEC_DEPTH + 1)))).toEqual(refused('INVALID_VALUE'));
    expect(await attempt(() => kv.put('objects', deepObject(CODEC_DEPTH + 1)))).toEqual(refused('INVALID_VALUE'));
    expect(await attempt(() => json.put('json', deepArray(CODEC_DEPTH + 1)))).toEqual(refused('INVALID_VALUE'));
    expect(await attempt(() => store.journal<unknown>('capped_log').append('deep', [deepArray(CODEC_DEPTH + 1)]))).toEqual(
      refused('INVALID_VALUE'),
    );
    expect(
      await attempt(() =>
        store.checkpoints('capped_cp').save('deep', { data: Uint8Array.of(1), metadata: { m: deepObject(METADATA_DEPTH + 2) as Json } }),
      ),
    ).toEqual(refused('INVALID_VALUE'));
    expect((await attempt(() => kv.put('at-cap', deepArray(CODEC_DEPTH)))).code).toBe('resolved');
    expect(await kv.get('arrays')).toBeUndefined();
  });

  it(`nesting: stored bytes past ${CODEC_DEPTH} containers decode to DECODE; at the cap they decode`, async () => {
    const backend = spy.backends.get('deep');
    if (backend === undefined) throw new Error('the spy did not see the deep domain open');
    const envelope = (payload: Uint8Array) => Uint8Array.from([0x00, ...payload]);
    await backend.transact((tx) => {
      tx.put(encodeKey('stored-over'), envelope(nestedArrays(CODEC_DEPTH + 1)));
      tx.put(encodeKey('stored-at'), envelope(nestedArrays(CODEC_DEPTH)));
      tx.put(encodeKey('stored-100k'), envelope(nestedArrays(100_000)));
    });
    const kv = store.kv<unknown>('deep');
    expect(await codeOf(kv.get('stored-over'))).toBe('DECODE');
    expect(await codeOf(kv.get('stored-100k'))).toBe('DECODE');
    expect(await kv.get('stored-at')).toEqual(deepArray(CODEC_DEPTH));
  });

  it('collection counts: headers claiming 2^31 elements are DECODE, and nothing of that size is allocated', async () => {
    const backend = spy.backends.get('deep');
    if (backend === undefined) throw new Error('the spy did not see the deep domain open');
    const claims: Record<string, number[]> = {
      array: [0x10, ...varint(2 ** 31), 0x80],
      object: [0x11, ...varint(2 ** 31), 0x41, 0x61, 0x80],
      map: [0x12, ...varint(2 ** 31), 0x80, 0x80],
      set: [0x13, ...varint(2 ** 31), 0x80],
      bytes: [0x14, ...varint(2 ** 31), 1, 2, 3],
      string: [0x07, ...varint(2 ** 31), 0x61],
    };
    await backend.transact((tx) => {
      for (const [kind, body] of Object.entries(claims)) tx.put(encodeKey(['count', kind]), Uint8Array.from([0x00, 0x01, ...body]));
    });
    const kv = store.kv<unknown>('deep');
    const before = process.memoryUsage().arrayBuffers;
    const codes: Record<string, string> = {};
    for (const kind of Object.keys(claims)) codes[kind] = await codeOf(kv.get(['count', kind]));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(codes).toEqual(Object.fromEntries(Object.keys(claims).map((k) => [k, 'DECODE'])));
    // A 2 GiB buffer allocated and dropped would still count here (array buffers are freed by a GC).
    expect(grown).toBeLessThan(50 * 1024 * 1024);
  });
});
