import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';
import { saveMany } from './checkpoints-basic.js';

/** Issue 22 item 4 (lellm_graph `len`/`is_empty`): `count(trace?)` follows saves, deletes, prunes. */
export function checkpointsCountSpec(h: Harness): void {
  describe('checkpoints count', () => {
    it('counts one trace or the whole domain, and follows delete, prune and deleteTrace', async () => {
      const cp = (await h.open()).checkpoints('cpc');
      expect(await cp.count()).toBe(0);
      expect(await cp.count('t')).toBe(0);
      const t = await saveMany(cp, 't', 5);
      await saveMany(cp, 'u', 3);
      await saveMany(cp, 't2', 1);
      expect(await cp.count('t')).toBe(5);
      expect(await cp.count('u')).toBe(3);
      expect(await cp.count('t2')).toBe(1);
      expect(await cp.count()).toBe(9);
      await cp.delete(t[2]?.id as string);
      expect(await cp.count('t')).toBe(4);
      expect(await cp.count()).toBe(8);
      expect(await cp.prune('t', 1)).toBe(3);
      expect(await cp.count('t')).toBe(1);
      expect(await cp.count()).toBe(5);
      await cp.deleteTrace('u');
      expect(await cp.count('u')).toBe(0);
      expect(await cp.count()).toBe(2);
      await cp.save('u', { data: bytes(2) });
      expect(await cp.count('u')).toBe(1);
      expect(await cp.count()).toBe(3);
    });

    it.skipIf(!h.caps.persistent)('the count survives close and reopen', async () => {
      const first = await h.open();
      await saveMany(first.checkpoints('cpc2'), 'x', 4);
      await first.close();
      const b = (await h.open()).checkpoints('cpc2');
      expect(await b.count('x')).toBe(4);
      expect(await b.count()).toBe(4);
    });

    it('rejects a malformed trace id and answers WRONG_KIND on another kind', async () => {
      const store = await h.open();
      await expectCode(store.checkpoints('cpc3').count(''), 'INVALID_VALUE');
      await store.kv('cpk').put('a', 1);
      await expectCode(store.checkpoints('cpk').count(), 'WRONG_KIND');
    });
  });
}
