import type { CheckpointInfo, Key } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, expectCode, type Harness } from '../harness.js';

/** More entries than one synchronous page (256) or one list page (128), so paging is exercised. */
const MANY = 300;

const tupleKey = (i: number): Key => ['p', i];

/**
 * The read paths core takes: one synchronous read on a snapshot where the adapter offers it (SPI
 * `readSync`/`getSync`), the async reads otherwise. `runConformance` runs this spec on the adapter as
 * it is and again with its synchronous reads hidden (`asyncReadsOnly`): both forms must give the same
 * results, see every acknowledged write at once, and page through long ranges and traces alike.
 */
export function readFormsSpec(h: Harness, form: string): void {
  describe(`read paths (${form})`, () => {
    it('kv get, getMany, has and entries see each write once it is acknowledged, across pages', async () => {
      const kv = (await h.open()).kv<unknown>('rf_kv');
      for (let i = 0; i < 20; i++) {
        await kv.put('x', i);
        expect(await kv.get('x')).toBe(i);
        expect(await kv.getMany(['x', 'nope'])).toEqual([i, undefined]);
      }
      await kv.putMany(Array.from({ length: MANY }, (_, i) => [tupleKey(i), { i }] as const));
      expect(await kv.has(tupleKey(299))).toBe(true);
      expect(await kv.has(tupleKey(300))).toBe(false);
      const all = await collect(kv.entries({ prefix: ['p'] }));
      expect(all.map(([k]) => k)).toEqual(Array.from({ length: MANY }, (_, i) => tupleKey(i)));
      expect(all.map(([, v]) => v)).toEqual(Array.from({ length: MANY }, (_, i) => ({ i })));
      const reversed = await collect(kv.keys({ prefix: ['p'], reverse: true }));
      expect(reversed).toEqual(Array.from({ length: MANY }, (_, i) => tupleKey(MANY - 1 - i)));
      expect(await collect(kv.keys({ prefix: ['p'], limit: 260, reverse: true }))).toEqual(reversed.slice(0, 260));
      expect(await collect(kv.keys({ gt: tupleKey(10), lte: tupleKey(270) }))).toEqual(
        Array.from({ length: 260 }, (_, i) => tupleKey(i + 11)),
      );
      expect(await collect(kv.keys({ prefix: ['p'], limit: 0 }))).toEqual([]);
      expect(await kv.delete(tupleKey(5))).toBe(true);
      expect(await kv.get(tupleKey(5))).toBeUndefined();
      expect((await collect(kv.keys({ prefix: ['p'], limit: 7 }))).map((k) => (k as [string, number])[1])).toEqual([0, 1, 2, 3, 4, 6, 7]);
      await kv.updateCounter('n', 41);
      await kv.updateCounter('n', 1);
      expect(await kv.get('n')).toBe(42);
      // A whole logical read in one call: the same results as the handle's own reads.
      const together = await kv.read((r) => {
        const newest = r.keys({ prefix: ['p'], reverse: true, limit: 2 });
        return {
          newest,
          values: r.getMany(newest),
          one: r.get(tupleKey(4)),
          gone: r.get(tupleKey(5)),
          counter: r.get('n'),
          page: r.entries({ prefix: ['p'], limit: 7 }).map(([k]) => (k as [string, number])[1]),
          across: r.keys({ gt: tupleKey(10), lte: tupleKey(270) }).length,
        };
      });
      expect(together).toEqual({
        newest: [tupleKey(299), tupleKey(298)],
        values: [{ i: 299 }, { i: 298 }],
        one: { i: 4 },
        gone: undefined,
        counter: 42,
        page: [0, 1, 2, 3, 4, 6, 7],
        across: 260,
      });
      const own = new Error('the function failed');
      await expect(
        kv.read(() => {
          throw own;
        }),
      ).rejects.toBe(own);
      await expectCode(
        kv.read((r) => r.get(Number.NaN)),
        'INVALID_KEY',
      );
      const raw = (await h.open()).kv<Uint8Array>('rf_raw', { codec: (await import('@agentstore/core')).rawCodec });
      await raw.put('b', bytes(300, 7));
      const back = await raw.get('b');
      expect(back).toEqual(bytes(300, 7));
      expect(Buffer.isBuffer(back)).toBe(false);
    });

    it('checkpoints load, loadLatest and list see each save once it is acknowledged, across pages', async () => {
      const cp = (await h.open()).checkpoints('rf_cp');
      const infos: CheckpointInfo[] = [];
      for (let i = 0; i < MANY; i++) {
        const info = await cp.save('t', { data: bytes(16, i), metadata: { step: i, even: i % 2 === 0 } });
        infos.push(info);
        if (i % 37 === 0) {
          const latest = await cp.loadLatest('t');
          expect(latest?.id).toBe(info.id);
          expect(latest?.data).toEqual(bytes(16, i));
        }
      }
      await cp.save('u', { data: bytes(4) });
      const newestFirst = [...infos].reverse();
      expect(await cp.list('t')).toEqual(newestFirst);
      expect(await cp.list('t', { limit: 130 })).toEqual(newestFirst.slice(0, 130));
      expect(await cp.list('t', { before: infos[200]?.id, limit: 150 })).toEqual(newestFirst.slice(MANY - 200, MANY - 50));
      const evens = await cp.list('t', { filter: { even: true } });
      expect(evens.map((x) => x.seq)).toEqual(newestFirst.filter((x) => x.seq % 2 === 1).map((x) => x.seq));
      expect(await cp.list('t', { before: (await cp.list('u'))[0]?.id })).toEqual([]);
      expect(await collect(cp.iterate('t', { limit: 140 }))).toEqual(newestFirst.slice(0, 140));
      expect((await cp.load(infos[3]?.id as string))?.data).toEqual(bytes(16, 3));
      expect(await cp.loadLatest('missing')).toBeUndefined();
      expect(await cp.list('missing')).toEqual([]);
      expect(await cp.delete(infos[MANY - 1]?.id as string)).toBe(true);
      expect((await cp.loadLatest('t'))?.id).toBe(infos[MANY - 2]?.id);
    });

    it.skipIf(!h.caps.persistent || h.caps.guardedWrites !== true)(
      'a store that has just read a domain gets MOVED from its next read once another store migrated it',
      async () => {
        const stale = await h.open();
        const kv = stale.kv<number>('rf_moved');
        const cp = stale.checkpoints('rf_moved_cp');
        await kv.put('a', 1);
        await cp.save('t', { data: bytes(2) });
        // Read right before the migration, so an adapter that remembers the guard absent has done so.
        expect(await kv.get('a')).toBe(1);
        expect((await cp.loadLatest('t'))?.seq).toBe(1);
        const mover = await h.open();
        await mover.migrateDomain('rf_moved', { adapter: 'memory' });
        await mover.migrateDomain('rf_moved_cp', { adapter: 'memory' });
        await expectCode(kv.get('a'), 'MOVED');
        await expectCode(kv.has('a'), 'MOVED');
        await expectCode(kv.getMany(['a']), 'MOVED');
        await expectCode(collect(kv.entries()), 'MOVED');
        await expectCode(
          kv.read((r) => r.get('a')),
          'MOVED',
        );
        await expectCode(cp.loadLatest('t'), 'MOVED');
        await expectCode(cp.list('t'), 'MOVED');
      },
    );

    it('reads made while writes commit see whole transactions, never half of one', async () => {
      const store = await h.open();
      const kv = store.kv<number>('rf_pairs');
      const cp = store.checkpoints('rf_race');
      await kv.putMany([
        ['a', 0],
        ['b', 0],
      ]);
      let writing = true;
      const writer = (async () => {
        for (let n = 1; n <= 150; n++) {
          // Both keys in one transaction, and a save: a reader must never see a and b differ.
          await Promise.all([
            kv.putMany([
              ['a', n],
              ['b', n],
            ]),
            cp.save('r', { data: bytes(8, n) }),
          ]);
        }
        writing = false;
      })();
      let lastSeq = 0;
      let reads = 0;
      while (writing || reads < 20) {
        const [a, b] = await kv.getMany(['a', 'b']);
        expect(a).toBe(b);
        const pair = await collect(kv.entries({ gte: 'a', lte: 'b' }));
        expect(pair[0]?.[1]).toBe(pair[1]?.[1]);
        const [ra, rb] = await kv.read((r) => r.entries({ gte: 'a', lte: 'b' }).map(([, v]) => v));
        expect(ra).toBe(rb);
        const latest = await cp.loadLatest('r');
        const seq = latest?.seq ?? 0;
        expect(seq).toBeGreaterThanOrEqual(lastSeq);
        if (latest) expect(latest.data).toEqual(bytes(8, seq));
        lastSeq = seq;
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writer;
      expect(await kv.getMany(['a', 'b'])).toEqual([150, 150]);
      expect((await cp.loadLatest('r'))?.seq).toBe(150);
    });
  });
}
