import { type ByteRange, type DomainBackend, MIGRATION_GUARD_KEY } from '@agentstore/core/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnostics } from '../src/diagnostics.js';
import { DEFAULT_LEVEL_OPTIONS } from '../src/options.js';
import { b, collect, openDomain, TempDirs } from './helpers.js';

const dirs = new TempDirs();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  dirs.cleanup();
});

async function open(domain = 'kv', extra: Parameters<typeof openDomain>[2] = {}, dataDir = dirs.make()) {
  const opened = await openDomain(dataDir, domain, extra);
  closers.push(() => opened.instance.close());
  return { ...opened, dataDir };
}

const put = (backend: DomainBackend, key: Uint8Array, value: Uint8Array) => backend.transact((tx) => tx.put(key, value));

/** Reference semantics of a ByteRange over a sorted key list. */
function expected(keys: Uint8Array[], range: ByteRange): number[][] {
  const cmp = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y);
  let out = [...keys].sort(cmp).filter((k) => {
    if (range.gt && cmp(k, range.gt) <= 0) return false;
    if (range.gte && cmp(k, range.gte) < 0) return false;
    if (range.lt && cmp(k, range.lt) >= 0) return false;
    if (range.lte && cmp(k, range.lte) > 0) return false;
    return true;
  });
  if (range.reverse) out.reverse();
  if (range.limit !== undefined) out = out.slice(0, range.limit);
  return out.map((k) => [...k]);
}

const KEYS = [b(), b(0), b(0, 0), b(0, 1), b(1), b(0x7f), b(0x80), b(0xfe, 0xff), b(0xff), b(0xff, 0), b(0xff, 0xff), b(0xff, 0xff, 0xff)];

describe('level backend: bytes and order', () => {
  it('orders keys bytewise (unsigned), including 0x00 and 0xFF bytes, and round-trips them', async () => {
    const { backend } = await open();
    for (const key of [...KEYS].reverse()) await put(backend, key, b(key.length));
    const all = await collect(backend.range({}));
    expect(all.map(([k]) => k)).toEqual(expected(KEYS, {}));
    for (const key of KEYS) expect([...((await backend.get(key)) ?? [])]).toEqual([key.length]);
    expect(await backend.get(b(0xff, 0xff, 0xff, 0xff))).toBeUndefined();
    const many = await backend.getMany([b(0xff), b(9), b(0, 1)]);
    expect(many.map((v) => (v === undefined ? undefined : [...v]))).toEqual([[1], undefined, [2]]);
  });

  it('keeps domains apart even when one name prefixes another', async () => {
    const dataDir = dirs.make();
    const { instance, backend: a } = await open('a', {}, dataDir);
    const ab = await instance.domain('ab', {
      ...DEFAULT_LEVEL_OPTIONS,
      durability: 'balanced',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 1 << 20,
    });
    const a_b = await instance.domain('a_b', {
      ...DEFAULT_LEVEL_OPTIONS,
      durability: 'balanced',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 1 << 20,
    });
    await put(a, b(0xff, 0xff), b(1));
    await put(a, b(), b(2));
    await put(ab, b(0), b(3));
    await put(ab, b(), b(4));
    await put(a_b, b(0x62), b(5));
    expect((await collect(a.range({}))).map(([k, v]) => [k, v])).toEqual([
      [[], [2]],
      [[0xff, 0xff], [1]],
    ]);
    expect(await collect(ab.range({ reverse: true }))).toEqual([
      [[0], [3]],
      [[], [4]],
    ]);
    expect(await a.count({})).toBe(2);
    expect(await ab.count({})).toBe(2);
    // 'b' (0x62) after 'a_' must not read as domain 'ab' key 0x00 …
    expect(await ab.get(b(0x62))).toBeUndefined();
    expect(await a.get(b(0x62))).toBeUndefined();
    await a.clear();
    expect(await a.count({})).toBe(0);
    expect(await ab.count({})).toBe(2);
    expect(await a_b.count({})).toBe(1);
    expect(await instance.listDomains()).toEqual(['a', 'a_b', 'ab', 'kv'].filter((d) => d !== 'kv'));
  });

  it('honours gt/gte/lt/lte/reverse/limit exactly like the reference', async () => {
    const { backend } = await open();
    await backend.transact((tx) => {
      for (const key of KEYS) tx.put(key, b(1));
    });
    const bounds = [undefined, b(), b(0), b(0, 0), b(0x7f), b(0xff), b(0xff, 0), b(0xff, 0xff, 0xff, 0)];
    let checked = 0;
    for (const low of bounds) {
      for (const high of bounds) {
        for (const lowKind of ['gt', 'gte'] as const) {
          for (const highKind of ['lt', 'lte'] as const) {
            for (const reverse of [false, true]) {
              for (const limit of [undefined, 0, 1, 3]) {
                const range: Record<string, unknown> = { reverse };
                if (low) range[lowKind] = low;
                if (high) range[highKind] = high;
                if (limit !== undefined) range.limit = limit;
                const r = range as ByteRange;
                const want = expected(KEYS, r);
                expect(
                  (await collect(backend.range(r))).map(([k]) => k),
                  JSON.stringify(range),
                ).toEqual(want);
                const inTx = await backend.transact((tx) => tx.range(r).map(([k]) => [...k]));
                expect(inTx, `tx ${JSON.stringify(range)}`).toEqual(want);
                expect(await backend.count(r)).toBe(want.length);
                checked++;
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('streams long ranges in pages and stops early on break', async () => {
    const { backend } = await open();
    await backend.transact((tx) => {
      for (let i = 0; i < 5000; i++) tx.put(b(i >> 8, i & 255), b(i & 255));
    });
    let n = 0;
    for await (const _ of backend.range({})) n++;
    expect(n).toBe(5000);
    let seen = 0;
    for await (const _ of backend.range({ reverse: true })) if (++seen === 3) break;
    expect(seen).toBe(3);
    expect(await backend.count({ limit: 1234 })).toBe(1234);
    expect(await backend.count({ gte: b(10), reverse: true })).toBe(5000 - 2560);
  });
});

describe('level backend: transactions', () => {
  it('reads its own writes and commits all or nothing', async () => {
    const { backend } = await open();
    await put(backend, b(1), b(1));
    const seen = await backend.transact((tx) => {
      tx.put(b(2), b(2));
      tx.del(b(1));
      return { one: tx.get(b(1)), two: tx.get(b(2)), range: tx.range({}).map(([k]) => [...k]) };
    });
    expect(seen).toEqual({ one: undefined, two: b(2), range: [[2]] });
    await expect(
      backend.transact((tx) => {
        tx.put(b(3), b(3));
        tx.del(b(2));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await collect(backend.range({}))).toEqual([[[2], [2]]]);
  });

  it('a throwing member of a group fails alone; the others commit', async () => {
    const { backend } = await open();
    const results = await Promise.allSettled([
      put(backend, b(1), b(1)),
      backend.transact((tx) => {
        tx.put(b(2), b(2));
        throw new Error('only me');
      }),
      backend.transact((tx) => {
        // Sees member 1's write, not member 2's.
        tx.put(b(3), b(tx.get(b(1))?.[0] ?? 0, tx.get(b(2))?.[0] ?? 0));
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await collect(backend.range({}))).toEqual([
      [[1], [1]],
      [[3], [1, 0]],
    ]);
  });

  it('read-through replay: tx.range sees earlier group members’ puts and deletes, honouring limit', async () => {
    const { backend } = await open();
    await backend.transact((tx) => {
      for (let i = 0; i < 10; i++) tx.put(b(i), b(i));
    });
    const replaysBefore = diagnostics.replays;
    const batchesBefore = diagnostics.batches;
    const [, , seen, seenReverse, all] = await Promise.all([
      backend.transact((tx) => {
        tx.del(b(0));
        tx.del(b(1));
        tx.del(b(2));
        tx.put(b(4, 0), b(40));
      }),
      backend.transact((tx) => tx.put(b(0, 5), b(5))),
      backend.transact((tx) => tx.range({ limit: 3 }).map(([k, v]) => [[...k], [...v]])),
      backend.transact((tx) => tx.range({ reverse: true, lt: b(5), limit: 3 }).map(([k]) => [...k])),
      backend.transact((tx) => {
        tx.del(b(9));
        return tx.range({ gte: b(8) }).map(([k]) => [...k]);
      }),
    ]);
    expect(seen).toEqual([
      [[0, 5], [5]],
      [[3], [3]],
      [[4], [4]],
    ]);
    expect(seenReverse).toEqual([[4, 0], [4], [3]]);
    expect(all).toEqual([[8]]);
    expect(diagnostics.replays - replaysBefore).toBeGreaterThanOrEqual(3);
    expect(diagnostics.batches - batchesBefore).toBe(1);
    expect((await collect(backend.range({}))).map(([k]) => k)).toEqual([[0, 5], [3], [4], [4, 0], [5], [6], [7], [8]]);
  });

  it('replays a function that reads several ranges, even if it swallows the internal marker', async () => {
    const { backend } = await open();
    await backend.transact((tx) => {
      for (let i = 0; i < 5; i++) tx.put(b(i), b(i * 2));
    });
    let runs = 0;
    const result = await backend.transact((tx) => {
      runs++;
      let first: Array<[Uint8Array, Uint8Array]> = [];
      try {
        first = tx.range({ limit: 1 });
      } catch {
        // a careless function; the backend must still replay it
      }
      const last = tx.range({ reverse: true, limit: 1 });
      const next = first[0] ? tx.range({ gt: first[0][0], limit: 1 }) : [];
      tx.put(b(100), b(first.length, last.length, next.length));
      return [first, last, next].map((r) => r.map(([k]) => [...k]));
    });
    expect(result).toEqual([[[0]], [[4]], [[1]]]);
    expect(runs).toBe(4);
    expect([...((await backend.get(b(100))) ?? [])]).toEqual([1, 1, 1]);
  });

  it('group commit: 100 concurrent transactions go out in a few batches', async () => {
    const { backend } = await open();
    await put(backend, b(0), b(0));
    const before = { batches: diagnostics.batches, transactions: diagnostics.transactions };
    await Promise.all(Array.from({ length: 100 }, (_, i) => put(backend, b(1, i), b(i))));
    expect(diagnostics.transactions - before.transactions).toBe(100);
    expect(diagnostics.batches - before.batches).toBeLessThanOrEqual(2);
    expect(await backend.count({})).toBe(101);
  });

  it('read-modify-write through transact is exact under concurrency (strict durability too)', async () => {
    const { backend } = await open('counters', { durability: 'strict' });
    const increment = () =>
      backend.transact((tx) => {
        const now = (tx.get(b(7))?.[0] ?? 0) + (tx.get(b(7))?.[1] ?? 0) * 256;
        const next = now + 1;
        tx.put(b(7), b(next & 255, next >> 8));
        return next;
      });
    const results = await Promise.all(Array.from({ length: 300 }, increment));
    expect(new Set(results).size).toBe(300);
    expect(Math.max(...results)).toBe(300);
  });

  it('a transaction with no writes resolves without a batch', async () => {
    const { backend } = await open();
    const before = diagnostics.batches;
    expect(await backend.transact((tx) => tx.get(b(1)))).toBeUndefined();
    expect(diagnostics.batches).toBe(before);
  });

  it('tx cannot be used after the function returned', async () => {
    const { backend } = await open();
    let kept: { put(k: Uint8Array, v: Uint8Array): void } | undefined;
    await backend.transact((tx) => {
      kept = tx;
    });
    expect(() => kept?.put(b(1), b(1))).toThrow();
  });
});

describe('level backend: counters and write-only transactions', () => {
  const counter = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).readDoubleLE(1));

  it('updateCounters: exact alone and beside queued transactions; a bad update writes nothing', async () => {
    const { backend } = await open();
    const update = backend.updateCounters?.bind(backend);
    expect(update).toBeDefined();
    if (!update) return;
    expect((await update([{ key: b(1), by: 2 }])).map(counter)).toEqual([2]);
    // Interleaved with transactions already queued: every increment lands once, in order.
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++) {
      calls.push(put(backend, b(2, i), b(i)));
      calls.push(update([{ key: b(1), by: 1 }]));
    }
    await Promise.all(calls);
    expect(counter(await backend.get(b(1)))).toBe(52);
    await put(backend, b(3), b(0, 1, 2));
    await expect(
      update([
        { key: b(1), by: 1 },
        { key: b(3), by: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(counter(await backend.get(b(1)))).toBe(52);
    const bounded = await update([
      { key: b(4), by: 5, bounded: { threshold: 3, setTo: 0 } },
      { key: b(4), by: 2 },
    ]);
    expect(bounded.map(counter)).toEqual([0, 2]);
  });

  it('updateCounters honours a guard written after an earlier update found it absent', async () => {
    const { backend } = await open();
    const update = backend.updateCounters?.bind(backend);
    if (!update) throw new Error('level has updateCounters');
    const refuse = (held: Uint8Array) => Object.assign(new Error('refused'), { code: 'MOVED', held: [...held] });
    const guard = { key: MIGRATION_GUARD_KEY, refuse };
    expect((await update([{ key: b(1), by: 1 }], guard)).map(counter)).toEqual([1]);
    expect((await update([{ key: b(1), by: 1 }], guard)).map(counter)).toEqual([2]);
    await put(backend, MIGRATION_GUARD_KEY, b(9));
    await expect(update([{ key: b(1), by: 1 }], guard)).rejects.toMatchObject({ code: 'MOVED', held: [9] });
    // Any other guard key is read on every update.
    const other = { key: b(7), refuse };
    expect((await update([{ key: b(1), by: 1 }], other)).map(counter)).toEqual([3]);
    await put(backend, b(7), b(8));
    await expect(update([{ key: b(1), by: 1 }], other)).rejects.toMatchObject({ code: 'MOVED', held: [8] });
    expect(counter(await backend.get(b(1)))).toBe(3);
  });

  it('writes of one transaction apply in call order, and reads after writes see the latest', async () => {
    const { backend } = await open();
    const seen = await backend.transact((tx) => {
      tx.put(b(1), b(1));
      tx.put(b(1), b(2));
      tx.put(b(2), b(2));
      tx.del(b(2));
      const first = [tx.get(b(1)), tx.get(b(2))];
      tx.put(b(2), b(3));
      return [...first, tx.get(b(2))].map((v) => v && [...v]);
    });
    expect(seen).toEqual([[2], undefined, [3]]);
    expect((await collect(backend.range({}))).map(([k, v]) => [[...k], [...v]])).toEqual([
      [[1], [2]],
      [[2], [3]],
    ]);
    await backend.transact((tx) => {
      tx.put(b(5), b(5));
      tx.del(b(5));
    });
    expect(await backend.get(b(5))).toBeUndefined();
  });
});

describe('level backend: lifecycle', () => {
  it('persists across close and reopen, and lists domains from the reserved registry', async () => {
    const dataDir = dirs.make();
    const first = await openDomain(dataDir, 'journal', { durability: 'strict' });
    await first.instance.domain('empty_one', {
      ...DEFAULT_LEVEL_OPTIONS,
      durability: 'balanced',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 1,
    });
    await put(first.backend, b(1, 2, 3), b(9, 9));
    await first.instance.sync();
    await first.instance.close();
    await first.instance.close(); // idempotent
    await expect(first.backend.get(b(1))).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(first.backend.transact(() => 1)).rejects.toMatchObject({ code: 'CLOSED' });

    const second = await open('journal', {}, dataDir);
    expect([...((await second.backend.get(b(1, 2, 3))) ?? [])]).toEqual([9, 9]);
    expect(await second.instance.listDomains()).toEqual(['empty_one', 'journal']);
    expect(await second.backend.sizeBytes?.()).toBeTypeOf('number');
    await second.instance.dropDomain('journal', {
      ...DEFAULT_LEVEL_OPTIONS,
      durability: 'balanced',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 1,
    });
    expect(await second.instance.listDomains()).toEqual(['empty_one']);
    expect(await second.backend.count({})).toBe(0);
  });

  it('listDomains sees the default location without any domain opened', async () => {
    const dataDir = dirs.make();
    const first = await openDomain(dataDir, 'runs');
    await first.instance.close();
    const { levelAdapter } = await import('../src/index.js');
    const instance = await levelAdapter.open({ dataDir });
    closers.push(() => instance.close());
    expect(await instance.listDomains()).toEqual(['runs']);
  });

  it('two store instances in one process share one native handle', async () => {
    const dataDir = dirs.make();
    const opensBefore = diagnostics.nativeOpens;
    const one = await openDomain(dataDir, 'shared');
    const two = await openDomain(dataDir, 'shared');
    expect(diagnostics.nativeOpens - opensBefore).toBe(1);
    await Promise.all([put(one.backend, b(1), b(1)), put(two.backend, b(2), b(2))]);
    expect(await two.backend.count({})).toBe(2);
    await one.instance.close();
    await expect(one.backend.get(b(1))).rejects.toMatchObject({ code: 'CLOSED' });
    expect([...((await two.backend.get(b(1))) ?? [])]).toEqual([1]);
    await two.instance.close();
    // Closed for real now: a new instance opens natively again and sees the data.
    const three = await openDomain(dataDir, 'shared');
    closers.push(() => three.instance.close());
    expect(diagnostics.nativeOpens - opensBefore).toBe(2);
    expect(await three.backend.count({})).toBe(2);
  });

  it('concurrent opens, and an open racing the last close, never open a location twice', async () => {
    const dataDir = dirs.make();
    const opensBefore = diagnostics.nativeOpens;
    const opened = await Promise.all(Array.from({ length: 5 }, () => openDomain(dataDir, 'race')));
    expect(diagnostics.nativeOpens - opensBefore).toBe(1);
    const closing = Promise.all(opened.map((o) => o.instance.close()));
    const again = await openDomain(dataDir, 'race');
    closers.push(() => again.instance.close());
    await closing;
    await put(again.backend, b(1), b(1));
    expect(await again.backend.count({})).toBe(1);
  });

  it('a domain `path` gets its own location inside dataDir; escapes are INVALID_OPTIONS, links CORRUPT', async () => {
    const dataDir = dirs.make();
    const { instance, backend } = await open('kv', {}, dataDir);
    const own = await instance.domain('blobs', {
      ...DEFAULT_LEVEL_OPTIONS,
      durability: 'fast',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 1,
      path: 'custom/blobs-db',
    });
    await put(own, b(1), b(1));
    expect(await backend.count({})).toBe(0);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${dataDir}/custom/blobs-db/CURRENT`)).toBe(true);
    for (const path of ['/tmp/elsewhere', '../out', 'a/../../out', '.', '']) {
      await expect(
        instance.domain('bad', {
          ...DEFAULT_LEVEL_OPTIONS,
          durability: 'balanced',
          counters: 'durable',
          counterFlushMs: 1,
          maxValueBytes: 1,
          path,
        }),
        path,
      ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    }
    const { symlinkSync } = await import('node:fs');
    symlinkSync(dirs.make(), `${dataDir}/link-out`);
    await expect(
      instance.domain('bad', {
        ...DEFAULT_LEVEL_OPTIONS,
        durability: 'balanced',
        counters: 'durable',
        counterFlushMs: 1,
        maxValueBytes: 1,
        path: 'link-out/db',
      }),
    ).rejects.toMatchObject({ code: 'CORRUPT' });
  });

  it('rejects unknown options and fills defaults', async () => {
    const { levelOptionsSchema } = await import('../src/index.js');
    expect(levelOptionsSchema.parse({})).toEqual({ cacheSizeMb: 8, writeBufferSizeMb: 4, compression: true });
    expect(levelOptionsSchema.safeParse({ cacheSize: 1 }).success).toBe(false);
    expect(levelOptionsSchema.safeParse({ path: '/abs' }).success).toBe(false);
    expect(levelOptionsSchema.safeParse({ path: 'sub/dir' }).success).toBe(true);
  });

  it('reports IO when the location cannot be created', async () => {
    const dataDir = dirs.make();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dataDir}/level`, 'not a directory');
    await expect(openDomain(dataDir, 'kv')).rejects.toMatchObject({ code: 'IO' });
  });
});
