import type { Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { collect, expectCode, type Harness } from '../harness.js';

/** SPEC §3/§6: putMany and deleteMany are all-or-nothing. */
export function kvPutManySpec(h: Harness): void {
  describe('kv putMany / deleteMany', () => {
    it('writes every entry', async () => {
      const kv = (await h.open()).kv<unknown>('pm');
      const entries: Array<[Key, unknown]> = [
        ['a', 1],
        [['t', 1], { x: 1 }],
        [7, 'seven'],
      ];
      await kv.putMany(entries);
      expect(await kv.getMany(entries.map(([k]) => k))).toEqual(entries.map(([, v]) => v));
      await kv.putMany([]);
      expect(await kv.count()).toBe(3);
    });

    it('a later entry for the same key wins', async () => {
      const kv = (await h.open()).kv<string>('pmdup');
      await kv.putMany([
        ['k', 'first'],
        ['other', 'o'],
        ['k', 'second'],
      ]);
      expect(await kv.get('k')).toBe('second');
      expect(await kv.count()).toBe(2);
    });

    it('an invalid key anywhere writes nothing', async () => {
      const kv = (await h.open()).kv<number>('pmkey');
      await kv.put('keep', 0);
      await expectCode(
        kv.putMany([
          ['a', 1],
          ['keep', 1],
          [Number.NaN, 2],
          ['b', 3],
        ]),
        'INVALID_KEY',
      );
      expect(await kv.has('a')).toBe(false);
      expect(await kv.has('b')).toBe(false);
      expect(await kv.get('keep')).toBe(0);
      expect(await collect(kv.keys())).toEqual(['keep']);
    });

    it('a value the codec rejects anywhere writes nothing', async () => {
      const kv = (await h.open()).kv<unknown>('pmval');
      await expectCode(
        kv.putMany([
          ['a', 1],
          ['b', { fn: () => 1 }],
          ['c', 3],
        ]),
        'INVALID_VALUE',
      );
      expect(await kv.count()).toBe(0);
    });

    it('an oversized value anywhere writes nothing', async () => {
      const store = await h.open({ domains: { pmbig: { maxValueBytes: 1024 } } });
      const kv = store.kv<string>('pmbig');
      await expectCode(
        kv.putMany([
          ['a', 'small'],
          ['b', 'x'.repeat(4096)],
          ['c', 'small'],
        ]),
        'VALUE_TOO_LARGE',
      );
      expect(await kv.count()).toBe(0);
      await kv.putMany([
        ['a', 'small'],
        ['c', 'x'.repeat(500)],
      ]);
      expect(await kv.count()).toBe(2);
    });

    it('deleteMany counts what existed and is atomic on a bad key', async () => {
      const kv = (await h.open()).kv<number>('dmany');
      await kv.putMany([
        ['a', 1],
        ['b', 2],
        [['a'], 3],
      ]);
      await expectCode(kv.deleteMany(['a', [] as unknown as Key]), 'INVALID_KEY');
      expect(await kv.has('a')).toBe(true);
      expect(await kv.deleteMany(['a', ['a'], 'nope'])).toBe(2);
      expect(await collect(kv.keys())).toEqual(['b']);
    });

    it('deleteMany of 2,500 keys in one call, present and absent mixed (engines that fetch reads fetch them in one round)', async () => {
      const kv = (await h.open()).kv<number>('dmany_large');
      const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, '0')}`);
      await kv.putMany(keys.filter((_, i) => i % 3 !== 0).map((k, i) => [k, i]));
      const stored = await kv.count();
      expect(await kv.deleteMany([...keys, 'zz-absent'])).toBe(stored);
      expect(await kv.count()).toBe(0);
      await kv.put('k00001', 1);
      expect(await kv.deleteMany(keys.slice(0, 1200))).toBe(1);
    });
  });
}
