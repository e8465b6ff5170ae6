import type { BlobCheckpointStore } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, expectPlainBytes, type Harness } from '../harness.js';

/** Saves `n` checkpoints one after another; returns their infos in save order. */
export async function saveMany(cp: BlobCheckpointStore, trace: string, n: number, meta = (i: number) => ({ i })) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await cp.save(trace, { data: bytes(8, i), metadata: meta(i) }));
  return out;
}

/** SPEC §4: save, load, loadLatest, seq, parentId, ids. */
export function checkpointsBasicSpec(h: Harness): void {
  describe('checkpoints basics', () => {
    it('save returns info with seq 1, 2, 3 and parentId defaulting to the latest', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const before = Date.now();
      const a = await cp.save('t1', { data: bytes(10) });
      const b = await cp.save('t1', { data: bytes(20), metadata: { step: 2 } });
      const c = await cp.save('t1', { data: bytes(0) });
      expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
      expect(a.parentId).toBeUndefined();
      expect(b.parentId).toBe(a.id);
      expect(c.parentId).toBe(b.id);
      expect(a.traceId).toBe('t1');
      expect([a.size, b.size, c.size]).toEqual([10, 20, 0]);
      expect(a.metadata).toEqual({});
      expect(b.metadata).toEqual({ step: 2 });
      expect(a.createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(c.createdAt).toBeLessThanOrEqual(Date.now() + 1000);
      expect(typeof a.id).toBe('string');
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    });

    it('an explicit parentId is kept (forks)', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const a = await cp.save('t', { data: bytes(1) });
      await cp.save('t', { data: bytes(1) });
      const fork = await cp.save('t', { data: bytes(1), parentId: a.id });
      expect(fork.parentId).toBe(a.id);
      expect(fork.seq).toBe(3);
      expect((await cp.load(fork.id))?.parentId).toBe(a.id);
    });

    it('ids sort in save order within a trace, and seq is per trace', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const infos = [];
      for (let i = 0; i < 30; i++) {
        infos.push(await cp.save(i % 3 === 0 ? 'other' : 'main', { data: bytes(1, i) }));
      }
      const main = infos.filter((x) => x.traceId === 'main');
      const ids = main.map((x) => x.id);
      expect([...ids].sort()).toEqual(ids);
      expect(main.map((x) => x.seq)).toEqual(Array.from({ length: main.length }, (_, i) => i + 1));
      const other = infos.filter((x) => x.traceId === 'other');
      expect(other.map((x) => x.seq)).toEqual(Array.from({ length: other.length }, (_, i) => i + 1));
    });

    it('load and loadLatest return data as a plain Uint8Array with metadata', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const metadata = { step: 3, tags: ['a', 'b'], nested: { x: null, y: [1, { z: true }] }, s: 'é😀', f: -1.5 };
      const data = bytes(1000, 3);
      const first = await cp.save('t', { data, metadata });
      const second = await cp.save('t', { data: data.subarray(5, 15) });
      const loaded = await cp.load(first.id);
      expect(loaded).toBeDefined();
      expectPlainBytes(loaded?.data);
      expect(loaded?.data).toEqual(data);
      expect(loaded?.metadata).toEqual(metadata);
      expect(loaded).toMatchObject({ id: first.id, traceId: 't', seq: 1, size: 1000, createdAt: first.createdAt });
      const latest = await cp.loadLatest('t');
      expect(latest?.id).toBe(second.id);
      expectPlainBytes(latest?.data);
      expect(Array.from(latest?.data ?? [])).toEqual(Array.from(data.subarray(5, 15)));
      expect(latest?.parentId).toBe(first.id);
      expect(await cp.loadLatest('empty')).toBeUndefined();
    });

    it('load of an unknown or deleted id is undefined', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const a = await cp.save('t', { data: bytes(1) });
      expect(await cp.delete(a.id)).toBe(true);
      expect(await cp.load(a.id)).toBeUndefined();
    });

    it('invalid trace ids, data and metadata reject INVALID_VALUE and write nothing', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const data = bytes(4);
      for (const trace of ['', 'x'.repeat(257), 42, null, undefined]) {
        await expectCode(cp.save(trace as unknown as string, { data }), 'INVALID_VALUE');
      }
      const badMeta: unknown[] = [
        { f: () => 1 },
        { n: Number.NaN },
        { i: Number.POSITIVE_INFINITY },
        { b: 1n },
        { d: new Map() },
        { deep: { s: Symbol('x') } },
      ];
      for (const metadata of badMeta) {
        await expectCode(cp.save('t', { data, metadata: metadata as Record<string, never> }), 'INVALID_VALUE');
      }
      await expectCode(cp.save('t', { data: 'nope' as unknown as Uint8Array }), 'INVALID_VALUE');
      expect(await cp.list('t')).toEqual([]);
      const ok = await cp.save('x'.repeat(256), { data });
      expect(ok.seq).toBe(1);
      expect((await cp.save('t', { data })).seq).toBe(1);
    });

    it('concurrent saves get gap-free seqs and a parent chain', async () => {
      const cp = (await h.open()).checkpoints('cps');
      const infos = await Promise.all(Array.from({ length: 20 }, (_, i) => cp.save('c', { data: bytes(4, i) })));
      const bySeq = [...infos].sort((x, y) => x.seq - y.seq);
      expect(bySeq.map((x) => x.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(bySeq[0]?.parentId).toBeUndefined();
      for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]?.parentId).toBe(bySeq[i - 1]?.id);
      const ids = bySeq.map((x) => x.id);
      expect([...ids].sort()).toEqual(ids);
    });
  });
}
