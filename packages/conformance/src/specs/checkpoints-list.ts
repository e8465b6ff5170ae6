import type { CheckpointInfo, Json } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, type Harness } from '../harness.js';
import { saveMany } from './checkpoints-basic.js';

const seqs = (xs: CheckpointInfo[]) => xs.map((x) => x.seq);

/** SPEC §4: list and iterate — order, limit, before, filter. */
export function checkpointsListSpec(h: Harness): void {
  describe('checkpoints list', () => {
    it('lists newest first with limit and before; iterate agrees', async () => {
      const cp = (await h.open()).checkpoints('cpl');
      const infos = await saveMany(cp, 't', 6);
      await saveMany(cp, 'u', 2);
      expect(seqs(await cp.list('t'))).toEqual([6, 5, 4, 3, 2, 1]);
      expect(await cp.list('t')).toEqual([...infos].reverse());
      expect(seqs(await cp.list('t', { limit: 2 }))).toEqual([6, 5]);
      expect(await cp.list('t', { limit: 0 })).toEqual([]);
      expect(seqs(await cp.list('t', { before: infos[3]?.id }))).toEqual([3, 2, 1]);
      expect(seqs(await cp.list('t', { before: infos[3]?.id, limit: 2 }))).toEqual([3, 2]);
      expect(await cp.list('t', { before: infos[0]?.id })).toEqual([]);
      const otherTrace = (await cp.list('u'))[0]?.id;
      expect(await cp.list('t', { before: otherTrace })).toEqual([]);
      expect(await cp.list('missing')).toEqual([]);
      for (const opts of [{}, { limit: 3 }, { before: infos[4]?.id }]) {
        expect(await collect(cp.iterate('t', opts))).toEqual(await cp.list('t', opts));
      }
    });

    it('filter matches top-level keys by deep JSON equality', async () => {
      const cp = (await h.open()).checkpoints('cpf');
      const metas: Array<Record<string, Json>> = [
        { kind: 'even', tags: ['x', 'y'], nested: { a: { b: 0 } }, nul: null, n: 0 },
        { kind: 'odd', tags: ['y', 'x'], nested: { a: { b: 1 } }, nul: null, n: 1 },
        { kind: 'even', tags: ['x', 'y'], nested: { a: { b: 2 } }, n: 2 },
        { kind: 'odd', tags: ['x'], nested: { a: { b: 0 } }, nul: null, n: 3 },
        { kind: 'even', tags: [], nested: { a: { b: 1 } }, nul: 'null', n: 4 },
        { kind: 'odd', tags: ['x', 'y'], nested: { a: { b: 2, c: 1 } }, n: 5 },
      ];
      const infos = [];
      for (const m of metas) infos.push(await cp.save('t', { data: bytes(2), metadata: m }));
      const matchN = async (filter: Record<string, Json>, extra: { limit?: number; before?: string } = {}) =>
        (await cp.list('t', { ...extra, filter })).map((x) => x.metadata.n);
      expect(await matchN({ kind: 'odd' })).toEqual([5, 3, 1]);
      expect(await matchN({ kind: 'odd', nul: null })).toEqual([3, 1]);
      expect(await matchN({ nul: null })).toEqual([3, 1, 0]);
      expect(await matchN({ tags: ['x', 'y'] })).toEqual([5, 2, 0]);
      expect(await matchN({ tags: [] })).toEqual([4]);
      expect(await matchN({ nested: { a: { b: 0 } } })).toEqual([3, 0]);
      expect(await matchN({ nested: { a: {} } })).toEqual([]);
      expect(await matchN({ nested: { a: { b: 2 } } })).toEqual([2]);
      expect(await matchN({ nested: { a: { c: 1, b: 2 } } })).toEqual([5]);
      expect(await matchN({ n: 4, kind: 'even' })).toEqual([4]);
      expect(await matchN({ absent: 1 })).toEqual([]);
      expect(await matchN({})).toEqual([5, 4, 3, 2, 1, 0]);
      expect(await matchN({ kind: 'even' }, { limit: 1 })).toEqual([4]);
      expect(await matchN({ kind: 'even' }, { limit: 2 })).toEqual([4, 2]);
      expect(await matchN({ kind: 'even' }, { before: infos[4]?.id })).toEqual([2, 0]);
      expect(await matchN({ kind: 'odd' }, { before: infos[4]?.id, limit: 1 })).toEqual([3]);
      const iterated = await collect(cp.iterate('t', { filter: { kind: 'odd' }, limit: 2 }));
      expect(iterated.map((x) => x.metadata.n)).toEqual([5, 3]);
    });

    it('SQL-looking filter keys and values are data', async () => {
      const cp = (await h.open()).checkpoints('cpsql');
      const evilKey = "a'; DROP TABLE checkpoints; --";
      const evilValue = "1' OR '1'='1";
      await cp.save('t', { data: bytes(1), metadata: { [evilKey]: evilValue, n: 1 } });
      await cp.save('t', { data: bytes(1), metadata: { n: 2, 'x") OR 1=1 --': 'y' } });
      expect((await cp.list('t', { filter: { [evilKey]: evilValue } })).map((x) => x.metadata.n)).toEqual([1]);
      expect(await cp.list('t', { filter: { [evilKey]: 'other' } })).toEqual([]);
      expect(await cp.list('t', { filter: { "kind') OR 1=1 --": 'x' } })).toEqual([]);
      expect(await cp.list('t', { filter: { n: '1 OR 1=1' } })).toEqual([]);
      expect(await cp.list('t', { filter: { "n' OR '1'='1": 1 } })).toEqual([]);
      expect(await cp.list("t' OR '1'='1")).toEqual([]);
      expect(await cp.list('t')).toHaveLength(2);
    });

    it('a 2,000-checkpoint trace answers list({limit: 10}) correctly', async () => {
      const cp = (await h.open()).checkpoints('cpbig');
      const n = 2000;
      for (let i = 0; i < n; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => cp.save('big', { data: bytes(16, i + j), metadata: { j: i + j } })));
      }
      const top = await cp.list('big', { limit: 10 });
      expect(seqs(top)).toEqual(Array.from({ length: 10 }, (_, i) => n - i));
      expect((await cp.loadLatest('big'))?.seq).toBe(n);
      const mid = (await cp.list('big', { limit: 1001 }))[1000];
      expect(mid?.seq).toBe(1000);
      expect(seqs(await cp.list('big', { before: mid?.id, limit: 3 }))).toEqual([999, 998, 997]);
      let seen = 0;
      for await (const _ of cp.iterate('big')) if (++seen === 3) break;
      expect((await cp.list('big')).length).toBe(n);
    });
  });
}
