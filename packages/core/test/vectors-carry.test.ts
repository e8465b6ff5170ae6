import { describe, expect, it } from 'vitest';
import { storeAdmin } from '../src/admin/index.js';
import { createStore, memoryAdapter } from '../src/index.js';
import type { Adapter } from '../src/spi/index.js';

// A second in-memory adapter, so that a migration has somewhere else to go without any native engine.
const otherMemory: Adapter = { ...memoryAdapter, name: 'memtwo' } as Adapter;

const vec = (i: number): number[] => [Math.cos(i), Math.sin(i), (i % 7) / 7];

describe('vectors travel with their domain', () => {
  it('migrateDomain carries entries, settings and the change log: the new route searches, and writes continue', async () => {
    const store = await createStore({ adapters: [otherMemory], default: { adapter: 'memory' } });
    const v = store.vectors('mem', { dims: 3, metric: 'cosine' });
    await v.upsertMany(Array.from({ length: 50 }, (_, i) => ({ key: ['k', i], vector: vec(i), metadata: { i } })));
    await v.delete(['k', 3]);
    const before = await v.search(vec(10), { k: 5 });
    const report = await store.migrateDomain('mem', { adapter: 'memtwo' });
    expect(report.to.adapter).toBe('memtwo');
    expect(await v.search(vec(10), { k: 5 })).toEqual(before);
    expect(await v.count()).toBe(49);
    await v.upsert(['k', 3], vec(10), { i: -3 });
    expect((await v.search(vec(10), { k: 2 })).map((m) => m.key)).toEqual(expect.arrayContaining([['k', 3]]));
    await expect(store.vectors('mem', { dims: 4 }).search([1, 2, 3, 4])).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await store.close();
  });

  it('an export loads into another store as the same searchable domain; a tampered entry is refused', async () => {
    const a = await createStore({ default: { adapter: 'memory' } });
    const va = a.vectors('exp', { dims: 3, metric: 'l2' });
    await va.upsertMany(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, vector: vec(i) })));
    await va.delete('k4');
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for await (const e of storeAdmin(a).entries('exp')) entries.push(e);
    const b = await createStore({ default: { adapter: 'memory' } });
    async function* rows(list: Array<[Uint8Array, Uint8Array]>) {
      yield* list;
    }
    expect(await storeAdmin(b).load('exp', rows(entries))).toBe(entries.length);
    const vb = b.vectors('exp', { dims: 3, metric: 'l2' });
    expect(await vb.search(vec(7), { k: 4 })).toEqual(await va.search(vec(7), { k: 4 }));
    // A head whose format byte is unknown is not a vectors head.
    const bad = entries.map(([k, v]): [Uint8Array, Uint8Array] => [
      k,
      k.length === 1 && k[0] === 0x01 ? Uint8Array.of(9, ...v.subarray(1)) : v,
    ]);
    const c = await createStore({ default: { adapter: 'memory' } });
    await expect(storeAdmin(c).load('exp', rows(bad))).rejects.toMatchObject({ code: 'CORRUPT' });
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
