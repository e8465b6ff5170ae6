/**
 * Artifacts against the SPI contract's edges, with an instrumented memory adapter: transaction
 * functions that the backend runs more than once, and how many keys `longestPrefix` probes.
 */
import { describe, expect, it } from 'vitest';
import { createStore, memoryAdapter, prefixKey } from '../src/index.js';
import type { Adapter, ByteRange, Bytes, DomainBackend, Tx } from '../src/spi/index.js';

interface Counters {
  getManyKeys: number;
  getManyCalls: number;
  transacts: number;
}

/** A Tx that buffers writes over `tx` and discards them: a dry run the backend throws away. */
function dryRun(tx: Tx): Tx {
  const writes = new Map<string, Bytes | null>();
  const id = (k: Bytes): string => Buffer.from(k).toString('latin1');
  return {
    get: (key) => {
      const w = writes.get(id(key));
      return w === undefined ? tx.get(key) : (w ?? undefined);
    },
    range: (range: ByteRange) => {
      const stored = tx.range({ ...range, limit: undefined });
      const merged = new Map(stored.map(([k, v]) => [id(k), v] as [string, Bytes]));
      for (const [k, v] of writes) {
        const key = Buffer.from(k, 'latin1');
        const inside =
          (range.gte === undefined || Buffer.compare(key, range.gte) >= 0) &&
          (range.gt === undefined || Buffer.compare(key, range.gt) > 0) &&
          (range.lt === undefined || Buffer.compare(key, range.lt) < 0) &&
          (range.lte === undefined || Buffer.compare(key, range.lte) <= 0);
        if (!inside) continue;
        if (v === null) merged.delete(k);
        else merged.set(k, v);
      }
      const keys = [...merged.keys()].sort();
      if (range.reverse) keys.reverse();
      return keys.slice(0, range.limit ?? keys.length).map((k) => [Buffer.from(k, 'latin1'), merged.get(k) as Bytes]);
    },
    put: (key, value) => void writes.set(id(key), value),
    del: (key) => void writes.set(id(key), null),
  };
}

/** The memory adapter, but every transaction function first runs once on a discarded dry run. */
function instrumented(counters: Counters): Adapter {
  const wrap = (inner: DomainBackend): DomainBackend => ({
    get: (key) => inner.get(key),
    getMany: (keys) => {
      counters.getManyCalls++;
      counters.getManyKeys += keys.length;
      return inner.getMany(keys);
    },
    range: (range) => inner.range(range),
    count: (range) => inner.count(range),
    clear: () => inner.clear(),
    transact: (fn) => {
      counters.transacts++;
      return inner.transact((tx) => {
        try {
          fn(dryRun(tx));
        } catch {
          // the real run reports it
        }
        return fn(tx);
      });
    },
  });
  return {
    ...memoryAdapter,
    name: 'rerun',
    async open(ctx) {
      const inner = await memoryAdapter.open(ctx);
      const opened = new Map<DomainBackend, DomainBackend>();
      return {
        ...inner,
        async domain(domain, options) {
          const backend = await inner.domain(domain, options as never);
          let wrapped = opened.get(backend);
          if (!wrapped) {
            wrapped = wrap(backend);
            opened.set(backend, wrapped);
          }
          return wrapped;
        },
      };
    },
  };
}

async function open() {
  const counters: Counters = { getManyKeys: 0, getManyCalls: 0, transacts: 0 };
  const store = await createStore({ adapters: [instrumented(counters)], default: { adapter: 'rerun' } });
  return { store, counters };
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('artifacts on a backend that runs transaction functions twice', () => {
  it('accounting, LRU order, leases and reservations come out as if each ran once', async () => {
    const { store } = await open();
    const a = store.artifacts('art', { budgetBytes: 1000 });
    await a.put('a', bytes(300, 1));
    await a.put('b', bytes(300, 2), { tier: 'ram' });
    await a.put('c', bytes(300, 3));
    await a.get('a');
    const lease = await a.checkout('b');
    await a.put('d', bytes(400, 4)); // evicts c (b is leased, a was used)
    expect(await a.lru()).toEqual(['b', 'a', 'd']);
    expect(await a.usage()).toMatchObject({ usedBytes: 1000, count: 3 });
    expect((await a.stat('b'))?.leases).toBe(1);
    expect(await lease?.release()).toBe(true);
    const r = await a.reserve('e');
    await r.commit(bytes(100, 5));
    expect(await a.evictBytes(1)).toEqual({ evicted: 1, freedBytes: 300 });
    await a.setBudget({ budgetBytes: null });
    await a.putStream('s', [bytes(200_000, 6), bytes(400_000, 7)]);
    expect((await a.get('s'))?.byteLength).toBe(600_000);
    const audit = await a.audit();
    expect(audit).toMatchObject({ orphanBlobs: 0, pendingBlobs: 0 });
    expect(audit.chunkBytes).toBe(audit.usedBytes);
    expect(audit.liveBytes).toBe(audit.usedBytes);
    await store.close();
  });
});

describe('longestPrefix probing', () => {
  it('probes at most tokens.length / stride keys, in batched reads', async () => {
    const { store, counters } = await open();
    const a = store.artifacts('art');
    const tokens = Array.from({ length: 1000 }, (_, i) => i * 13);
    await a.putPrefix(tokens.slice(0, 96), bytes(1, 1));
    counters.getManyKeys = 0;
    counters.getManyCalls = 0;
    const hit = await a.longestPrefix(tokens, { stride: 32 });
    expect(hit).toEqual({ key: prefixKey(tokens.slice(0, 96)), prefixLength: 96, size: 1 });
    // Each read also carries the migration guard key (SPEC §9.1): one more key per call.
    expect(counters.getManyKeys).toBeLessThanOrEqual(Math.floor(1000 / 32) + 1);
    expect(counters.getManyCalls).toBe(1);
    counters.getManyKeys = 0;
    expect(await a.longestPrefix(tokens, { stride: 32, minTokens: 100 })).toBeUndefined();
    expect(counters.getManyKeys).toBe(Math.floor(1000 / 32) - 3 + 1); // 128, 160, … 992, and the guard
    await store.close();
  });

  it('a miss, has, stat, longestPrefix and a hit never open a write transaction; the flush of the hit does', async () => {
    const { store, counters } = await open();
    const a = store.artifacts('art');
    await a.put('x', bytes(10, 1));
    const before = counters.transacts;
    expect(await a.get('nope')).toBeUndefined();
    await a.has('x');
    await a.stat('x');
    await a.longestPrefix([1, 2, 3], { stride: 1 });
    expect(await a.getOrWait('nope', 100)).toBeUndefined();
    expect(counters.transacts).toBe(before);
    await a.get('x'); // a hit records its use in memory: no transaction until the recency flush
    expect(counters.transacts).toBe(before);
    await store.sync('art');
    expect(counters.transacts).toBe(before + 1);
    await store.close();
  });
});
