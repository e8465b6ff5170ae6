import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

/** SPEC §4: expectLatest compare-and-set. */
export function checkpointsCasSpec(h: Harness): void {
  describe('checkpoints expectLatest', () => {
    it('null requires an empty trace; a matching id extends it', async () => {
      const cp = (await h.open()).checkpoints('cas');
      const a = await cp.save('t', { data: bytes(1), expectLatest: null });
      expect(a.seq).toBe(1);
      await expectCode(cp.save('t', { data: bytes(1), expectLatest: null }), 'CONFLICT');
      const b = await cp.save('t', { data: bytes(1), expectLatest: a.id });
      expect(b.seq).toBe(2);
      expect(b.parentId).toBe(a.id);
    });

    it('a stale or foreign id rejects CONFLICT, writes nothing and leaves seq unchanged', async () => {
      const cp = (await h.open()).checkpoints('cas');
      const a = await cp.save('t', { data: bytes(1) });
      const b = await cp.save('t', { data: bytes(1) });
      const foreign = await cp.save('u', { data: bytes(1) });
      await expectCode(cp.save('t', { data: bytes(1), expectLatest: a.id }), 'CONFLICT');
      await expectCode(cp.save('t', { data: bytes(1), expectLatest: foreign.id }), 'CONFLICT');
      await expectCode(cp.save('t', { data: bytes(1), expectLatest: 'no-such-id' }), 'CONFLICT');
      await expectCode(cp.save('empty', { data: bytes(1), expectLatest: a.id }), 'CONFLICT');
      expect((await cp.list('t')).map((x) => x.id)).toEqual([b.id, a.id]);
      expect(await cp.list('empty')).toEqual([]);
      const c = await cp.save('t', { data: bytes(1), expectLatest: b.id });
      expect(c.seq).toBe(3);
    });

    it('of 20 concurrent saves with the same expectLatest exactly one succeeds', async () => {
      const cp = (await h.open()).checkpoints('cas');
      const base = await cp.save('t', { data: bytes(1) });
      const settled = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => cp.save('t', { data: bytes(2, i), expectLatest: base.id })),
      );
      const ok = settled.filter((s) => s.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      for (const s of settled) {
        if (s.status === 'rejected') expect((s.reason as { code?: unknown }).code).toBe('CONFLICT');
      }
      const list = await cp.list('t');
      expect(list.map((x) => x.seq)).toEqual([2, 1]);
      const winner = (ok[0] as PromiseFulfilledResult<{ id: string }>).value;
      expect(list[0]?.id).toBe(winner.id);
      const empties = await Promise.allSettled(Array.from({ length: 10 }, () => cp.save('fresh', { data: bytes(1), expectLatest: null })));
      expect(empties.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      expect(await cp.list('fresh')).toHaveLength(1);
    });
  });
}
