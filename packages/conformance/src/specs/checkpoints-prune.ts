import { describe, expect, it } from 'vitest';
import { bytes, type Harness } from '../harness.js';
import { saveMany } from './checkpoints-basic.js';

/** SPEC §4: delete, prune, deleteTrace, traces; seq never reused until deleteTrace. */
export function checkpointsPruneSpec(h: Harness): void {
  describe('checkpoints delete / prune / deleteTrace / traces', () => {
    it('delete removes from the trace index and never frees its seq', async () => {
      const cp = (await h.open()).checkpoints('cpd');
      const [a, b, c] = await saveMany(cp, 't', 3);
      expect(await cp.delete(b?.id as string)).toBe(true);
      expect(await cp.delete(b?.id as string)).toBe(false);
      expect((await cp.list('t')).map((x) => x.seq)).toEqual([3, 1]);
      expect(await cp.delete(c?.id as string)).toBe(true);
      expect((await cp.loadLatest('t'))?.id).toBe(a?.id);
      const d = await cp.save('t', { data: bytes(1) });
      expect(d.seq).toBe(4);
      expect(d.parentId).toBe(a?.id);
      expect((await cp.list('t')).map((x) => x.seq)).toEqual([4, 1]);
      expect(await cp.delete('not-an-id')).toBe(false);
    });

    it('prune keeps the newest and returns how many it removed', async () => {
      const cp = (await h.open()).checkpoints('cpp');
      await saveMany(cp, 't', 5);
      await saveMany(cp, 'u', 2);
      expect(await cp.prune('t', 2)).toBe(3);
      expect((await cp.list('t')).map((x) => x.seq)).toEqual([5, 4]);
      expect(await cp.prune('t', 10)).toBe(0);
      expect((await cp.save('t', { data: bytes(1) })).seq).toBe(6);
      expect(await cp.prune('t', 0)).toBe(3);
      expect(await cp.list('t')).toEqual([]);
      expect(await cp.loadLatest('t')).toBeUndefined();
      const next = await cp.save('t', { data: bytes(1) });
      expect(next.seq).toBe(7);
      expect(await cp.list('u')).toHaveLength(2);
      expect(await cp.prune('missing', 1)).toBe(0);
    });

    it('deleteTrace returns the count and seq restarts at 1', async () => {
      const cp = (await h.open()).checkpoints('cpt');
      const infos = await saveMany(cp, 't', 4);
      await cp.delete(infos[1]?.id as string);
      await saveMany(cp, 'keep', 1);
      expect(await cp.deleteTrace('t')).toBe(3);
      expect(await cp.list('t')).toEqual([]);
      expect(await cp.loadLatest('t')).toBeUndefined();
      expect(await cp.load(infos[0]?.id as string)).toBeUndefined();
      expect(await cp.deleteTrace('t')).toBe(0);
      const fresh = await cp.save('t', { data: bytes(1) });
      expect(fresh.seq).toBe(1);
      expect(fresh.parentId).toBeUndefined();
      expect(await cp.list('keep')).toHaveLength(1);
    });

    it('traces lists trace ids in order with prefix, limit and after', async () => {
      const cp = (await h.open()).checkpoints('cptr');
      for (const t of ['gamma', 'beta2', 'alpha', 'beta', 'delta']) await cp.save(t, { data: bytes(1) });
      await cp.save('beta', { data: bytes(1) });
      expect(await cp.traces()).toEqual(['alpha', 'beta', 'beta2', 'delta', 'gamma']);
      expect(await cp.traces({ prefix: 'beta' })).toEqual(['beta', 'beta2']);
      expect(await cp.traces({ limit: 2 })).toEqual(['alpha', 'beta']);
      expect(await cp.traces({ after: 'beta' })).toEqual(['beta2', 'delta', 'gamma']);
      expect(await cp.traces({ after: 'beta', limit: 1 })).toEqual(['beta2']);
      expect(await cp.traces({ after: 'c' })).toEqual(['delta', 'gamma']);
      expect(await cp.traces({ prefix: 'beta', after: 'beta' })).toEqual(['beta2']);
      expect(await cp.traces({ prefix: 'zzz' })).toEqual([]);
      await cp.deleteTrace('alpha');
      expect(await cp.traces()).toEqual(['beta', 'beta2', 'delta', 'gamma']);
    });
  });
}
