import { describe, expect, it } from 'vitest';
import { bytes, collect, type Harness } from '../harness.js';

/** SPEC §2/§7: sync, stats, durability modes, close with writes in flight. */
export function lifecycleSpec(h: Harness): void {
  describe('lifecycle', () => {
    it('sync resolves, also with nothing to do', async () => {
      const store = await h.open();
      await store.sync();
      await store.kv('a').put('k', 1);
      await store.sync();
      expect(await store.kv('a').get('k')).toBe(1);
    });

    for (const durability of ['strict', 'balanced', 'fast'] as const) {
      it(`durability '${durability}' behaves the same functionally`, async () => {
        const store = await h.open({ domains: { dur: { durability }, durcp: { durability } } });
        const kv = store.kv<unknown>('dur');
        await Promise.all(Array.from({ length: 20 }, (_, i) => kv.put(['k', i], { i })));
        await kv.putMany([
          ['x', 1],
          ['y', 2],
        ]);
        expect(await kv.delete('y')).toBe(true);
        expect(await Promise.all(Array.from({ length: 20 }, () => kv.updateCounter('c', 1)))).toHaveLength(20);
        expect(await kv.get('c')).toBe(20);
        expect(await kv.count({ prefix: ['k'] })).toBe(20);
        expect(await collect(kv.keys({ prefix: ['k'], limit: 2 }))).toEqual([
          ['k', 0],
          ['k', 1],
        ]);
        const cp = store.checkpoints('durcp');
        const a = await cp.save('t', { data: bytes(3) });
        const b = await cp.save('t', { data: bytes(3), expectLatest: a.id });
        expect(b.seq).toBe(2);
        await store.sync();
        expect((await cp.loadLatest('t'))?.id).toBe(b.id);
      });
    }

    it('stats lists domains with adapter, kind and record count', async () => {
      const store = await h.open();
      await store.kv('kvdom').putMany([
        ['a', 1],
        ['b', 2],
      ]);
      await store.kv('kvdom').updateCounter('c', 1);
      await store.checkpoints('cpdom').save('t', { data: bytes(1) });
      await store.checkpoints('cpdom').save('t', { data: bytes(1) });
      const stats = await store.stats();
      const kv = stats.find((s) => s.domain === 'kvdom');
      const cp = stats.find((s) => s.domain === 'cpdom');
      expect(kv).toMatchObject({ adapter: h.target.adapter.name, kind: 'kv', records: 3 });
      expect(cp).toMatchObject({ adapter: h.target.adapter.name, kind: 'checkpoints' });
      expect(cp?.records).toBeGreaterThan(0);
      await store.dropDomain('kvdom');
      const after = await store.stats();
      const dropped = after.find((s) => s.domain === 'kvdom');
      if (dropped) expect(dropped.records).toBe(0);
    });

    it('close waits for or rejects in-flight writes, never half-applies them', async () => {
      const store = await h.open();
      const kv = store.kv<number>('inflight');
      const writes = Array.from({ length: 10 }, (_, i) => kv.put(i, i));
      const closing = store.close();
      const settled = await Promise.allSettled(writes);
      await closing;
      for (const s of settled) {
        if (s.status === 'rejected') expect((s.reason as { code?: unknown }).code).toBe('CLOSED');
      }
      if (h.caps.persistent) {
        const again = (await h.open()).kv<number>('inflight');
        for (const [i, s] of settled.entries()) {
          if (s.status === 'fulfilled') expect(await again.get(i)).toBe(i);
        }
      }
    });
  });
}
