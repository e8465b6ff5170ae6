import { type Codec, defaultCodec, jsonCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

/** A small catalog, like the ones agents swap whole (models, tools, prompts). */
function catalog(version: number) {
  return {
    version,
    models: [
      { id: 'small', context: 8_192, tags: ['fast'] },
      { id: 'large', context: 200_000, tags: ['smart', 'slow'] },
    ],
    tools: { search: { args: ['query'] }, fetch: { args: ['url', 'timeout'] } },
  };
}

/** SPEC §5 Snapshots: atomic swaps, monotonic epochs, one shared frozen decode per epoch. */
export function snapshotsSpec(h: Harness): void {
  describe('snapshots', () => {
    it('put returns epochs 1, 2, 3; get returns { snapshot, epoch, opts }; opts is {} when none were given', async () => {
      const s = (await h.open()).snapshots('cat');
      expect(await s.epoch()).toBe(0);
      expect(await s.get()).toBeUndefined();
      expect(await s.put(catalog(1))).toBe(1);
      expect(await s.get()).toEqual({ snapshot: catalog(1), epoch: 1, opts: {} });
      expect(await s.put(catalog(2), { source: 'registry', at: new Date(5) })).toBe(2);
      expect(await s.get()).toEqual({ snapshot: catalog(2), epoch: 2, opts: { source: 'registry', at: new Date(5) } });
      expect(await s.put('a plain string')).toBe(3);
      expect(await s.get()).toEqual({ snapshot: 'a plain string', epoch: 3, opts: {} });
      expect(await s.epoch()).toBe(3);
    });

    it('readers share one deep-frozen object while the epoch is unchanged', async () => {
      const store = await h.open();
      const s = store.snapshots<ReturnType<typeof catalog>>('cat');
      await s.put(catalog(1), { note: { deep: [1] } });
      const first = await s.get();
      const second = await s.get();
      const otherHandle = await store.snapshots('cat').get();
      expect(second).toBe(first);
      expect(otherHandle).toBe(first);
      const snap = first?.snapshot as ReturnType<typeof catalog>;
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(snap)).toBe(true);
      expect(Object.isFrozen(snap.models)).toBe(true);
      expect(Object.isFrozen(snap.models[0])).toBe(true);
      expect(Object.isFrozen(snap.models[1]?.tags)).toBe(true);
      expect(Object.isFrozen(snap.tools.fetch.args)).toBe(true);
      expect(Object.isFrozen(first?.opts)).toBe(true);
      expect(Object.isFrozen((first?.opts as { note?: { deep: number[] } } | undefined)?.note?.deep)).toBe(true);
      expect(() => {
        (snap.models as unknown as unknown[]).push({});
      }).toThrow(TypeError);
      expect(() => {
        (snap as { version: number }).version = 9;
      }).toThrow(TypeError);
      // Readers arriving together after a swap also share one decode.
      await s.put(catalog(2));
      const together = await Promise.all([s.get(), s.get(), store.snapshots('cat').get(), s.get()]);
      expect(new Set(together).size).toBe(1);
      expect(together[0]?.epoch).toBe(2);
      expect(together[0]).not.toBe(first);
      expect(first?.snapshot.version).toBe(1); // an old snapshot is never changed under its holder
    });

    it('get decodes once per epoch, however many reads there are', async () => {
      let decodes = 0;
      const counting: Codec<unknown> = {
        name: 'counting',
        encode: (value) => defaultCodec.encode(value),
        decode: (b) => {
          decodes++;
          return defaultCodec.decode(b);
        },
      };
      const store = await h.open();
      const s = store.snapshots('cat', { codec: counting });
      await s.put(catalog(1));
      for (let i = 0; i < 50; i++) expect((await s.get())?.epoch).toBe(1);
      await Promise.all(Array.from({ length: 20 }, () => store.snapshots('cat', { codec: counting }).get()));
      expect(decodes).toBe(1);
      await s.put(catalog(2));
      await Promise.all(Array.from({ length: 20 }, () => s.get()));
      expect(decodes).toBe(2);
      await s.clear();
      expect(await s.get()).toBeUndefined();
      expect(decodes).toBe(2);
    });

    it('plain objects inside Maps and Sets are frozen; Maps, Sets, Dates and bytes stay as decoded', async () => {
      const s = (await h.open()).snapshots('cat');
      await s.put({ byName: new Map([['a', { x: 1 }]]), set: new Set([[1, 2]]), when: new Date(1), raw: bytes(3) });
      const got = (await s.get())?.snapshot as { byName: Map<string, { x: number }>; set: Set<number[]>; when: Date; raw: Uint8Array };
      expect(Object.isFrozen(got.byName.get('a'))).toBe(true);
      expect(Object.isFrozen([...got.set][0])).toBe(true);
      expect(got.when.getTime()).toBe(1);
      expect(got.raw).toEqual(bytes(3));
    });

    it('clear removes the snapshot and bumps the epoch; put continues from there', async () => {
      const s = (await h.open()).snapshots('cat');
      expect(await s.clear()).toBe(1);
      expect(await s.get()).toBeUndefined();
      await s.put(catalog(1));
      const held = await s.get();
      expect(await s.clear()).toBe(3);
      expect(await s.epoch()).toBe(3);
      expect(await s.get()).toBeUndefined();
      expect(await s.put(catalog(4))).toBe(4);
      expect((await s.get())?.snapshot).toEqual(catalog(4));
      expect(held?.epoch).toBe(2);
    });

    it('concurrent puts in one process get distinct consecutive epochs; get shows the last', async () => {
      const s = (await h.open()).snapshots('cat');
      const epochs = await Promise.all(Array.from({ length: 15 }, (_, i) => s.put(catalog(i))));
      expect([...epochs].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      const got = await s.get();
      expect(got?.epoch).toBe(15);
      expect(got?.snapshot).toEqual(catalog(epochs.indexOf(15)));
    });

    it('a codec option is honoured for the snapshot', async () => {
      const s = (await h.open()).snapshots<unknown>('cat', { codec: jsonCodec as never });
      await s.put({ a: [1, 2] }, { d: new Date(3) });
      expect(await s.get()).toEqual({ snapshot: { a: [1, 2] }, epoch: 1, opts: { d: new Date(3) } });
      await expectCode(s.put({ bad: Number.NaN }), 'INVALID_VALUE');
      expect(await s.epoch()).toBe(1);
    });

    it('invalid opts and values reject with their codes and change nothing', async () => {
      const s = (await h.open({ domains: { cat: { maxValueBytes: 1_000 } } })).snapshots('cat');
      await s.put(catalog(1));
      for (const opts of [[1], 'x', 5, null, new Map(), new Date(1)]) await expectCode(s.put(catalog(2), opts as never), 'INVALID_VALUE');
      await expectCode(s.put({ f: () => 1 }), 'INVALID_VALUE');
      await expectCode(s.put(catalog(2), { f: Symbol('x') }), 'INVALID_VALUE');
      await expectCode(s.put(bytes(2_000)), 'VALUE_TOO_LARGE');
      await expectCode(s.put(bytes(600), { pad: bytes(600) }), 'VALUE_TOO_LARGE');
      expect(await s.epoch()).toBe(1);
      expect((await s.get())?.snapshot).toEqual(catalog(1));
    });

    it('WRONG_KIND both ways; stats counts the stored snapshot; a closed store rejects CLOSED', async () => {
      const store = await h.open();
      await store.versioned('vv').put('k', 1);
      const wrong = store.snapshots('vv');
      await expectCode(wrong.put({}), 'WRONG_KIND');
      await expectCode(wrong.get(), 'WRONG_KIND');
      await expectCode(wrong.epoch(), 'WRONG_KIND');
      await expectCode(wrong.clear(), 'WRONG_KIND');
      const s = store.snapshots('sdom');
      await s.put(catalog(1));
      await expectCode(store.kv('sdom').put('k', 1), 'WRONG_KIND');
      await expectCode(store.journal('sdom').read('s'), 'WRONG_KIND');
      await expectCode(store.versioned('sdom').put('k', 1), 'WRONG_KIND');
      expect((await store.stats()).find((x) => x.domain === 'sdom')).toMatchObject({ kind: 'snapshots', records: 1 });
      await s.clear();
      expect((await store.stats()).find((x) => x.domain === 'sdom')).toMatchObject({ kind: 'snapshots', records: 0 });
      expect(await store.snapshots('fresh').get()).toBeUndefined();
      expect(await store.snapshots('fresh').epoch()).toBe(0);
      await store.kv('fresh').put('k', 1);
      await store.close();
      await expectCode(s.put({}), 'CLOSED');
      await expectCode(s.get(), 'CLOSED');
      await expectCode(s.epoch(), 'CLOSED');
      await expectCode(s.clear(), 'CLOSED');
    });

    it('dropDomain forgets the snapshot and the cached decode; epochs start again', async () => {
      const store = await h.open();
      const s = store.snapshots('cat');
      await s.put(catalog(1));
      expect((await s.get())?.epoch).toBe(1);
      await store.dropDomain('cat');
      expect(await s.get()).toBeUndefined();
      expect(await s.epoch()).toBe(0);
      expect(await s.put(catalog(7))).toBe(1);
      expect((await s.get())?.snapshot).toEqual(catalog(7));
    });

    it.skipIf(!h.caps.persistent)('a second store instance on the same dataDir sees a new epoch on its next read', async () => {
      const a = await h.open();
      const b = await h.open();
      const sa = a.snapshots('cat');
      const sb = b.snapshots('cat');
      await sa.put(catalog(1));
      const seen = await sb.get();
      expect(seen?.epoch).toBe(1);
      expect(await sb.get()).toBe(seen);
      await sa.put(catalog(2), { by: 'a' });
      expect(await sb.epoch()).toBe(2);
      expect(await sb.get()).toEqual({ snapshot: catalog(2), epoch: 2, opts: { by: 'a' } });
      expect(await sb.clear()).toBe(3);
      expect(await sa.get()).toBeUndefined();
      expect(await sa.put(catalog(4))).toBe(4);
      await a.close();
      const c = await h.open();
      expect(await c.snapshots('cat').get()).toEqual({ snapshot: catalog(4), epoch: 4, opts: {} });
      expect((await sb.get())?.epoch).toBe(4);
    });
  });
}
