import { describe, expect, it } from 'vitest';
import { bytes, collect, type Harness } from '../harness.js';

/** SPEC §2–4: with `capabilities.persistent`, everything survives close and reopen. */
export function persistenceSpec(h: Harness): void {
  describe.skipIf(!h.caps.persistent)('persistence', () => {
    it('kv data, counters and key order survive close/reopen', async () => {
      const a = await h.open();
      const kv = a.kv<unknown>('p');
      await kv.putMany([
        [['t', 2], new Map([[1, 'x']])],
        ['s', 'str'],
        [-1, { d: new Date(5) }],
      ]);
      await kv.updateCounter('ctr', 41);
      await a.close();
      const b = await h.open();
      const kv2 = b.kv<unknown>('p');
      expect(await collect(kv2.keys())).toEqual([-1, 'ctr', 's', ['t', 2]]);
      expect(await kv2.get(['t', 2])).toEqual(new Map([[1, 'x']]));
      expect(await kv2.get(-1)).toEqual({ d: new Date(5) });
      expect(await kv2.updateCounter('ctr', 1)).toBe(42);
    });

    it('checkpoints survive close/reopen and seq continues', async () => {
      const a = await h.open();
      const cp = a.checkpoints('pc');
      await cp.save('t', { data: bytes(5) });
      const last = await cp.save('t', { data: bytes(6), metadata: { m: [1] } });
      await a.close();
      const b = await h.open();
      const cp2 = b.checkpoints('pc');
      const latest = await cp2.loadLatest('t');
      expect(latest).toMatchObject({ id: last.id, seq: 2, metadata: { m: [1] }, size: 6 });
      expect(latest?.data).toEqual(bytes(6));
      const next = await cp2.save('t', { data: bytes(1) });
      expect(next.seq).toBe(3);
      expect(next.parentId).toBe(last.id);
      expect(next.id > last.id).toBe(true);
      expect(await cp2.traces()).toEqual(['t']);
    });

    it('a dropped domain stays dropped after reopen', async () => {
      const a = await h.open();
      await a.kv('gone').put('k', 1);
      await a.kv('kept').put('k', 2);
      await a.dropDomain('gone');
      await a.close();
      const b = await h.open();
      expect(await b.kv('gone').get('k')).toBeUndefined();
      expect(await b.kv('kept').get('k')).toBe(2);
    });

    it('stats after reopen lists the domains with their kind', async () => {
      const a = await h.open();
      await a.kv('kvp').put('k', 1);
      await a.checkpoints('cpp').save('t', { data: bytes(1) });
      await a.close();
      const stats = await (await h.open()).stats();
      expect(stats.find((s) => s.domain === 'kvp')).toMatchObject({ adapter: h.target.adapter.name, kind: 'kv', records: 1 });
      expect(stats.find((s) => s.domain === 'cpp')).toMatchObject({ kind: 'checkpoints' });
    });

    it('a second store instance sees writes of the first', async () => {
      const a = await h.open();
      const b = await h.open();
      await a.kv('shared').put('k', 'v');
      expect(await b.kv('shared').get('k')).toBe('v');
      await b.kv('shared').updateCounter('c', 2);
      expect(await a.kv('shared').updateCounter('c', 3)).toBe(5);
      const s = await a.checkpoints('sharedcp').save('t', { data: bytes(1) });
      const s2 = await b.checkpoints('sharedcp').save('t', { data: bytes(1), expectLatest: s.id });
      expect(s2.seq).toBe(2);
    });

    it('two store instances on one dataDir stay exact on counters and compare-and-set', async () => {
      const a = await h.open();
      const b = await h.open();
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).kv('race').updateCounter('n', 1)));
      expect(await a.kv('race').get('n')).toBe(100);
      expect(await b.kv('race').get('n')).toBe(100);
      const base = await a.checkpoints('racecp').save('t', { data: bytes(1) });
      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).checkpoints('racecp').save('t', { data: bytes(1), expectLatest: base.id }),
        ),
      );
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const seqs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).checkpoints('racecp').save('u', { data: bytes(1) })),
      );
      expect(seqs.map((x) => x.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    });
  });
}
