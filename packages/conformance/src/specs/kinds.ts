import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

/** SPEC §2: a domain holds one kind, recorded on its first write. */
export function kindsSpec(h: Harness): void {
  describe('domain kinds', () => {
    it('a kv domain used as checkpoints rejects WRONG_KIND', async () => {
      const store = await h.open();
      await store.kv('d').put('k', 1);
      const cp = store.checkpoints('d');
      await expectCode(cp.save('t', { data: bytes(1) }), 'WRONG_KIND');
      await expectCode(cp.loadLatest('t'), 'WRONG_KIND');
      await expectCode(cp.list('t'), 'WRONG_KIND');
      expect(await store.kv('d').get('k')).toBe(1);
    });

    it('a checkpoints domain used as kv rejects WRONG_KIND', async () => {
      const store = await h.open();
      await store.checkpoints('d').save('t', { data: bytes(1) });
      const kv = store.kv('d');
      await expectCode(kv.put('k', 1), 'WRONG_KIND');
      await expectCode(kv.updateCounter('c', 1), 'WRONG_KIND');
      await expectCode(kv.get('k'), 'WRONG_KIND');
      expect(await store.checkpoints('d').list('t')).toHaveLength(1);
    });

    it('reads do not record a kind', async () => {
      const store = await h.open();
      expect(await store.kv('d').get('k')).toBeUndefined();
      expect(await store.kv('d').count()).toBe(0);
      await store.checkpoints('d').save('t', { data: bytes(1) });
      expect(await store.checkpoints('e').list('t')).toEqual([]);
      await store.kv('e').put('k', 1);
    });

    it('dropDomain deletes data and kind; the domain is reusable as another kind', async () => {
      const store = await h.open();
      const kv = store.kv<number>('d');
      await kv.putMany([
        ['a', 1],
        ['b', 2],
      ]);
      await kv.updateCounter('c', 3);
      await store.dropDomain('d');
      const info = await store.checkpoints('d').save('t', { data: bytes(1) });
      expect(info.seq).toBe(1);
      await store.dropDomain('d');
      expect(await store.checkpoints('d').list('t')).toEqual([]);
      await kv.put('x', 1);
      expect(await kv.count()).toBe(1);
      expect(await kv.get('a')).toBeUndefined();
      await store.dropDomain('never_used');
    });

    it('a kv handle that has read sees dropDomain and the next kind: its reads reject WRONG_KIND', async () => {
      const store = await h.open();
      const kv = store.kv<number>('d');
      await kv.put('a', 1);
      expect(await kv.get('a')).toBe(1);
      expect(await kv.getMany(['a', 'b'])).toEqual([1, undefined]);
      await store.dropDomain('d');
      expect(await kv.get('a')).toBeUndefined();
      await store.checkpoints('d').save('t', { data: bytes(1) });
      await expectCode(kv.get('a'), 'WRONG_KIND');
      await expectCode(kv.getMany(['a']), 'WRONG_KIND');
      await expectCode(kv.has('a'), 'WRONG_KIND');
    });

    it.skipIf(!h.caps.persistent)('the kind holds for a second store instance on the same dataDir', async () => {
      const a = await h.open();
      await a.kv('k1').put('x', 1);
      await a.checkpoints('c1').save('t', { data: bytes(1) });
      const b = await h.open();
      await expectCode(b.checkpoints('k1').save('t', { data: bytes(1) }), 'WRONG_KIND');
      await expectCode(b.kv('c1').put('x', 1), 'WRONG_KIND');
    });

    it.skipIf(!h.caps.persistent)(
      'a domain read while empty is checked again after another instance writes it: writes at once, reads within a second',
      async () => {
        const a = await h.open();
        const b = await h.open();
        expect(await a.kv('d').get('k')).toBeUndefined();
        expect(await a.checkpoints('e').loadLatest('t')).toBeUndefined();
        await b.checkpoints('d').save('t', { data: bytes(1) });
        await b.kv('e').put('k', 1);
        await expectCode(a.kv('d').put('k', 1), 'WRONG_KIND');
        await expectCode(a.checkpoints('e').save('t', { data: bytes(1) }), 'WRONG_KIND');
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await expectCode(a.kv('d').get('k'), 'WRONG_KIND');
        await expectCode(a.checkpoints('e').loadLatest('t'), 'WRONG_KIND');
      },
    );
  });
}
