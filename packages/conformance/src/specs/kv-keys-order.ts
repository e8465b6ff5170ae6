import type { Key } from '@agentstore/core/spi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyKey } from '../arbitraries.js';
import { collect, type Harness } from '../harness.js';
import { compareKeys, keyId, sortedUnique } from '../key-order.js';

/** SPEC §3: every adapter orders keys identically; checked against a reference comparator. */
export function kvKeysOrderSpec(h: Harness): void {
  describe('kv key order', () => {
    it('orders the SPEC examples', async () => {
      const kv = (await h.open()).kv<number>('order');
      const expected: Key[] = [
        -1e300,
        -2,
        -0.5,
        0,
        0.25,
        1,
        2,
        10,
        1e300,
        '',
        '\0',
        '10',
        '2',
        'A',
        'a',
        'a\0',
        'ab',
        'b',
        '\u007f',
        'é',
        '\uFFFF',
        '😀',
        [1],
        [1, 'x'],
        [2],
        ['a'],
        ['a', -1],
        ['a', 1],
        ['a', ''],
        ['a', 'b'],
        ['a', 'b', 1],
        ['a', 'c'],
        ['ab'],
        ['b'],
      ];
      const shuffled = [...expected].sort((x, y) => keyId(x).localeCompare(keyId(y)));
      for (const [i, k] of shuffled.entries()) await kv.put(k, i);
      expect(await collect(kv.keys())).toEqual(expected);
      expect(await collect(kv.keys({ reverse: true }))).toEqual([...expected].reverse());
      expect([...expected].sort(compareKeys)).toEqual(expected);
    });

    it('keys() matches the reference comparator for random keys (property)', async () => {
      const kv = (await h.open()).kv<number>('prop');
      await fc.assert(
        fc.asyncProperty(fc.array(anyKey, { minLength: 1, maxLength: 25 }), async (keys) => {
          await kv.clear();
          await kv.putMany(keys.map((k, i) => [k, i] as const));
          const expected = sortedUnique(keys);
          const got = await collect(kv.keys());
          expect(got).toEqual(expected);
          const last = new Map<string, number>();
          for (const [i, k] of keys.entries()) last.set(keyId(k), i);
          const entries = await collect(kv.entries({ reverse: true }));
          expect(entries.map(([k]) => k)).toEqual([...expected].reverse());
          for (const [k, v] of entries) expect(v).toBe(last.get(keyId(k)));
        }),
        { numRuns: 60 },
      );
    });
  });
}
