import type { Key, VectorMetric } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

/** A deterministic pseudo-random vector (xorshift), so every adapter indexes the same data. */
export function seededVector(dims: number, seed: number): number[] {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(((x >>> 0) / 0x1_0000_0000) * 2 - 1);
  }
  return out;
}

/** The test's own reference score (float64 over the float32-rounded inputs, as stored). */
function reference(metric: VectorMetric, a: readonly number[], b: readonly number[]): number {
  const fa = Float32Array.from(a);
  const fb = Float32Array.from(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < fa.length; i++) {
    const x = fa[i] as number;
    const y = fb[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
    l2 += (x - y) * (x - y);
  }
  if (metric === 'dot') return dot;
  if (metric === 'l2') return Math.sqrt(l2);
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na) / Math.sqrt(nb);
}

/** SPEC §9.3: the `vectors` kind — upsert, get, delete, exact search, validation, recorded settings. */
export function vectorsSpec(h: Harness): void {
  describe('vectors', () => {
    it('upsert/get/delete round-trip the vector (float32) and metadata; get returns a copy', async () => {
      const v = (await h.open()).vectors('vec', { dims: 3, metric: 'cosine' });
      expect(await v.get('a')).toBeUndefined();
      await v.upsert('a', [1, 2, 3], { tag: 'x', n: [1, { deep: true }] });
      await v.upsert(['t', 1], new Float32Array([0.1, 0.2, 0.3]));
      const got = await v.get('a');
      expect(Array.from(got?.vector ?? [])).toEqual([1, 2, 3]);
      expect(got?.vector).toBeInstanceOf(Float32Array);
      expect(got?.metadata).toEqual({ tag: 'x', n: [1, { deep: true }] });
      (got?.vector as Float32Array)[0] = 99;
      expect((await v.get('a'))?.vector[0]).toBe(1);
      expect(Array.from((await v.get(['t', 1]))?.vector ?? [])).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3])));
      expect((await v.get(['t', 1]))?.metadata).toBeUndefined();
      await v.upsert('a', [3, 2, 1]);
      expect(Array.from((await v.get('a'))?.vector ?? [])).toEqual([3, 2, 1]);
      expect((await v.get('a'))?.metadata).toBeUndefined();
      expect(await v.count()).toBe(2);
      expect(await v.delete('a')).toBe(true);
      expect(await v.delete('a')).toBe(false);
      expect(await v.get('a')).toBeUndefined();
      expect(await v.count()).toBe(1);
    });

    for (const metric of ['cosine', 'dot', 'l2'] as const) {
      it(`search (${metric}) returns the k best with the metric's score, best first, matching a reference computation`, async () => {
        const dims = 16;
        const v = (await h.open()).vectors(`s_${metric}`, { dims, metric });
        const data = Array.from({ length: 60 }, (_, i) => ({
          key: `k${String(i).padStart(2, '0')}`,
          vector: seededVector(dims, i + 1),
          metadata: { i },
        }));
        await v.upsertMany(data);
        const query = seededVector(dims, 1000);
        const want = data
          .map((d) => ({ key: d.key as Key, score: reference(metric, query, d.vector), metadata: d.metadata }))
          .sort((a, b) => (metric === 'l2' ? a.score - b.score : b.score - a.score))
          .slice(0, 7);
        const got = await v.search(query, { k: 7 });
        expect(got.map((m) => m.key)).toEqual(want.map((m) => m.key));
        got.forEach((m, i) => {
          expect(m.score).toBeCloseTo(want[i]?.score as number, 5);
          expect(m.metadata).toEqual(want[i]?.metadata);
        });
        expect(await v.search(query)).toHaveLength(10);
        expect(await v.search(query, { k: 0 })).toEqual([]);
        expect(await v.search(query, { k: 500 })).toHaveLength(60);
      });
    }

    it('search narrows by key prefix (tuple and string) and by metadata equality, before taking k', async () => {
      const v = (await h.open()).vectors('filtered', { dims: 4, metric: 'dot' });
      await v.upsertMany([
        { key: ['u1', 'a'], vector: [1, 0, 0, 0], metadata: { kind: 'fact', tags: ['x'] } },
        { key: ['u1', 'b'], vector: [0.9, 0, 0, 0], metadata: { kind: 'note' } },
        { key: ['u2', 'a'], vector: [5, 0, 0, 0], metadata: { kind: 'fact', tags: ['x'] } },
        { key: 'u1-scalar', vector: [4, 0, 0, 0] },
      ]);
      const q = [1, 0, 0, 0];
      expect((await v.search(q, { k: 1 })).map((m) => m.key)).toEqual([['u2', 'a']]);
      expect((await v.search(q, { prefix: ['u1'] })).map((m) => m.key)).toEqual([
        ['u1', 'a'],
        ['u1', 'b'],
      ]);
      expect((await v.search(q, { prefix: 'u1' })).map((m) => m.key)).toEqual(['u1-scalar']);
      expect((await v.search(q, { filter: { kind: 'fact' } })).map((m) => m.key)).toEqual([
        ['u2', 'a'],
        ['u1', 'a'],
      ]);
      expect((await v.search(q, { filter: { tags: ['x'] }, prefix: ['u1'] })).map((m) => m.key)).toEqual([['u1', 'a']]);
      expect(await v.search(q, { filter: { kind: 'missing' } })).toEqual([]);
      expect(await v.search(q, { filter: { tags: 'x' } })).toEqual([]);
    });

    it('bad vectors, metadata and options are rejected before anything is written', async () => {
      const store = await h.open();
      const v = store.vectors('bad', { dims: 3 });
      await v.upsert('ok', [1, 1, 1]);
      await expectCode(v.upsert('x', [1, 2]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, 2, 3, 4]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, Number.NaN, 3]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, Number.POSITIVE_INFINITY, 3]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, 1e39, 3]), 'INVALID_VALUE'); // finite as float64, not as float32
      await expectCode(v.upsert('x', new Float32Array(2)), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, '2', 3] as unknown as number[]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', 'abc' as unknown as number[]), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, 2, 3], { d: new Date() } as never), 'INVALID_VALUE');
      await expectCode(v.upsert('x', [1, 2, 3], [1] as never), 'INVALID_VALUE');
      await expectCode(v.upsert({} as never, [1, 2, 3]), 'INVALID_KEY');
      await expectCode(
        v.upsertMany([
          { key: 'y', vector: [1, 2, 3] },
          { key: 'z', vector: [1, 2] },
        ]),
        'INVALID_VALUE',
      );
      await expectCode(v.search([1, 2]), 'INVALID_VALUE');
      await expectCode(v.search([1, 2, 3], { k: -1 }), 'INVALID_VALUE');
      await expectCode(v.search([1, 2, 3], { k: 1.5 }), 'INVALID_VALUE');
      await expectCode(v.search([1, 2, 3], { filter: 'x' as never }), 'INVALID_VALUE');
      expect(await v.count()).toBe(1);
      expect(await v.get('y')).toBeUndefined();
      expect(() => store.vectors('o', { dims: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      expect(() => store.vectors('o', { dims: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      expect(() => store.vectors('o', { dims: 3, metric: 'hamming' as never })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
      expect(() => store.vectors('o', undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    });

    it('dims and metric are recorded with the domain: another handle with other ones fails with INVALID_OPTIONS, writing nothing', async () => {
      const store = await h.open();
      await store.vectors('rec', { dims: 3, metric: 'l2' }).upsert('a', [1, 2, 3]);
      const otherDims = store.vectors('rec', { dims: 4, metric: 'l2' });
      await expectCode(otherDims.upsert('b', [1, 2, 3, 4]), 'INVALID_OPTIONS');
      await expectCode(otherDims.search([1, 2, 3, 4]), 'INVALID_OPTIONS');
      await expectCode(otherDims.get('a'), 'INVALID_OPTIONS');
      const otherMetric = store.vectors('rec', { dims: 3, metric: 'cosine' });
      await expectCode(otherMetric.upsert('b', [1, 2, 3]), 'INVALID_OPTIONS');
      await expectCode(otherMetric.search([1, 2, 3]), 'INVALID_OPTIONS');
      const same = store.vectors('rec', { dims: 3, metric: 'l2' });
      expect(await same.count()).toBe(1);
      expect((await same.search([1, 2, 3])).map((m) => [m.key, m.score])).toEqual([['a', 0]]);
      await store.kv('kvdom').put('x', 1);
      await expectCode(store.vectors('kvdom', { dims: 3 }).upsert('a', [1, 2, 3]), 'WRONG_KIND');
      await expectCode(store.vectors('kvdom', { dims: 3 }).search([1, 2, 3]), 'WRONG_KIND');
      await expectCode(store.kv('rec').get('a'), 'WRONG_KIND');
    });

    it('upsertMany is atomic and a later item with the same key wins; search sees every write, including deletes', async () => {
      const v = (await h.open()).vectors('many', { dims: 2, metric: 'dot' });
      await v.upsertMany([
        { key: 'a', vector: [1, 0], metadata: { v: 1 } },
        { key: 'b', vector: [2, 0] },
        { key: 'a', vector: [3, 0], metadata: { v: 2 } },
      ]);
      expect(await v.count()).toBe(2);
      expect(await v.search([1, 0])).toEqual([
        { key: 'a', score: 3, metadata: { v: 2 } },
        { key: 'b', score: 2, metadata: undefined },
      ]);
      await v.delete('a');
      expect((await v.search([1, 0])).map((m) => m.key)).toEqual(['b']);
      await v.upsert('a', [0.5, 0]);
      await v.upsert('c', [9, 0]);
      expect((await v.search([1, 0])).map((m) => m.key)).toEqual(['c', 'b', 'a']);
      expect(await v.search([1, 0], { filter: { v: 2 } })).toEqual([]);
    });

    it('a zero vector scores 0 under cosine; an empty domain searches to []', async () => {
      const v = (await h.open()).vectors('zero', { dims: 2 });
      expect(await v.search([1, 0])).toEqual([]);
      expect(await v.count()).toBe(0);
      await v.upsert('z', [0, 0]);
      await v.upsert('x', [1, 0]);
      expect((await v.search([1, 0])).map((m) => [m.key, m.score])).toEqual([
        ['x', 1],
        ['z', 0],
      ]);
      expect((await v.search([0, 0])).map((m) => m.score)).toEqual([0, 0]);
    });

    it('stats count entries as records; dropDomain forgets dims and metric', async () => {
      const store = await h.open();
      const v = store.vectors('st', { dims: 2 });
      await v.upsertMany([
        { key: 'a', vector: [1, 0] },
        { key: 'b', vector: [0, 1] },
      ]);
      await v.delete('a');
      expect((await store.stats()).find((s) => s.domain === 'st')).toMatchObject({ kind: 'vectors', records: 1 });
      await store.dropDomain('st');
      const again = store.vectors('st', { dims: 5, metric: 'l2' });
      expect(await again.search([0, 0, 0, 0, 0])).toEqual([]);
      await again.upsert('n', [1, 1, 1, 1, 1]);
      expect((await again.search([0, 0, 0, 0, 0])).map((m) => m.key)).toEqual(['n']);
    });

    it('above exactThreshold the approximate index answers (recall@10 vs exact ≥ 0.9) and follows upserts and deletes', async () => {
      const store = await h.open();
      const dims = 24;
      const v = store.vectors('ann', { dims, metric: 'cosine', exactThreshold: 100 });
      const exact = store.vectors('ann', { dims, metric: 'cosine', exactThreshold: 1_000_000 });
      const n = 600;
      for (let i = 0; i < n; i += 200) {
        await v.upsertMany(
          Array.from({ length: 200 }, (_, j) => ({
            key: ['d', i + j],
            vector: seededVector(dims, i + j + 1),
            metadata: { odd: (i + j) % 2 === 1 },
          })),
        );
      }
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const query = seededVector(dims, 5000 + q);
        const want = new Set((await exact.search(query)).map((m) => JSON.stringify(m.key)));
        const got = await v.search(query);
        expect(got).toHaveLength(10);
        hits += got.filter((m) => want.has(JSON.stringify(m.key))).length;
      }
      expect(hits / 200).toBeGreaterThanOrEqual(0.9);
      const info = await v.describe();
      expect(info.count).toBe(n);
      // Exact only where the native library cannot load, and then `native` says why.
      expect(info.mode === 'hnsw' || (info.mode === 'exact-fallback' && info.native.startsWith('unavailable'))).toBe(true);
      // A stored vector is its own best match; once deleted it is gone; an upsert is found at once.
      expect((await v.search(seededVector(dims, 42), { k: 1 }))[0]?.key).toEqual(['d', 41]);
      await v.delete(['d', 41]);
      expect((await v.search(seededVector(dims, 42))).map((m) => m.key)).not.toContainEqual(['d', 41]);
      await v.upsert('fresh', seededVector(dims, 9999));
      expect((await v.search(seededVector(dims, 9999), { k: 1 }))[0]).toMatchObject({ key: 'fresh' });
      await v.upsert(['d', 7], seededVector(dims, 8888), { odd: true });
      expect((await v.search(seededVector(dims, 8888), { k: 1 }))[0]?.key).toEqual(['d', 7]);
      // Filters and prefixes are exact even when few entries match.
      const evens = await v.search(seededVector(dims, 77), { filter: { odd: false }, k: 5 });
      expect(evens).toHaveLength(5);
      expect(evens.every((m) => m.metadata?.odd === false)).toBe(true);
      expect((await v.search(seededVector(dims, 77), { prefix: 'fresh' })).map((m) => m.key)).toEqual(['fresh']);
    });

    describe.skipIf(!h.caps.persistent)('across stores', () => {
      it('vectors survive reopen, and another store’s writes are searchable at its next search', async () => {
        const a = await h.open();
        const va = a.vectors('shared', { dims: 2, metric: 'dot' });
        await va.upsert('one', [1, 0], { n: 1 });
        expect((await va.search([1, 0])).map((m) => m.key)).toEqual(['one']);
        const b = await h.open();
        const vb = b.vectors('shared', { dims: 2, metric: 'dot' });
        expect((await vb.search([1, 0])).map((m) => m.key)).toEqual(['one']);
        await vb.upsert('two', [2, 0]);
        await vb.delete('one');
        expect((await va.search([1, 0])).map((m) => m.key)).toEqual(['two']);
        await va.upsert('one', [3, 0], { n: 3 });
        expect(await vb.search([1, 0])).toEqual([
          { key: 'one', score: 3, metadata: { n: 3 } },
          { key: 'two', score: 2, metadata: undefined },
        ]);
        await a.close();
        await b.close();
        const c = await h.open();
        expect((await c.vectors('shared', { dims: 2, metric: 'dot' }).search([1, 0])).map((m) => m.key)).toEqual(['one', 'two']);
      });

      it('right after open, searches from the saved index answer as the loaded domain does, writes of other stores included', async () => {
        const dims = 16;
        const handle = (s: Awaited<ReturnType<typeof h.open>>) => s.vectors('cold', { dims, metric: 'cosine', exactThreshold: 100 });
        const a = await h.open();
        for (let i = 0; i < 600; i += 200) {
          await handle(a).upsertMany(
            Array.from({ length: 200 }, (_, j) => ({
              key: [(i + j) % 2 === 0 ? 'even' : 'odd', i + j],
              vector: seededVector(dims, i + j + 1),
              metadata: { third: (i + j) % 3 },
            })),
          );
        }
        await handle(a).search(seededVector(dims, 1)); // builds the index, which closing keeps
        await a.close();
        // Another store changes the domain after the index was saved: new, replaced and deleted entries.
        const b = await h.open();
        await handle(b).upsertMany(
          Array.from({ length: 20 }, (_, j) => ({ key: ['odd', 1001 + 2 * j], vector: seededVector(dims, 7000 + j) })),
        );
        await handle(b).upsertMany(
          Array.from({ length: 10 }, (_, j) => ({ key: ['even', 2 * j], vector: seededVector(dims, 8000 + j), metadata: { third: 9 } })),
        );
        for (let j = 0; j < 10; j++) await handle(b).delete(['odd', 2 * j + 101]);
        await b.close();
        const queries = Array.from({ length: 12 }, (_, q) => seededVector(dims, q < 2 ? 7000 + q : q < 4 ? 8000 + q : 5000 + q));
        const options = [{}, { k: 3 }, { prefix: ['odd'] }, { filter: { third: 1 } }, { filter: { third: 9 }, k: 4 }];
        const run = async (s: Awaited<ReturnType<typeof h.open>>) => {
          const out: unknown[] = [];
          for (const q of queries) for (const o of options) out.push(await handle(s).search(q, o));
          return out;
        };
        const cold = await h.open();
        const coldAnswers = await run(cold);
        const loaded = await h.open();
        // An exact handle loads the domain (shared by the store's handles of it), so `loaded` searches its copy.
        await loaded.vectors('cold', { dims, metric: 'cosine', exactThreshold: 1_000_000 }).search(seededVector(dims, 1));
        expect((await handle(cold).describe()).count).toBe(610);
        expect((await handle(loaded).describe()).count).toBe(610);
        expect(coldAnswers).toEqual(await run(loaded));
        const flat = coldAnswers.flat() as Array<{ key: Key; metadata?: { third: number } }>;
        expect(flat.map((m) => m.key)).not.toContainEqual(['odd', 101]);
        expect(flat.some((m) => JSON.stringify(m.key) === '["odd",1001]')).toBe(true);
        expect(flat.filter((m) => m.metadata?.third === 9).length).toBeGreaterThan(0);
        // A write of the searching store itself, and one of another store, are seen at its next search.
        await handle(cold).upsert('mine', seededVector(dims, 123456));
        await handle(loaded).delete(['odd', 1001]);
        expect((await handle(cold).search(seededVector(dims, 123456), { k: 1 }))[0]?.key).toBe('mine');
        expect((await handle(cold).search(seededVector(dims, 7000))).map((m) => m.key)).not.toContainEqual(['odd', 1001]);
        await cold.close();
        await loaded.close();
      });
    });
  });
}
