import type { Range } from '@agentstore/core';
import type { Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { collect, expectCode, type Harness } from '../harness.js';

/** The fixed data set, in key order. */
const ORDERED: Key[] = [
  -5,
  0,
  1.5,
  10,
  'a',
  'ab',
  'abc',
  'b',
  ['a'],
  ['run', 'a'],
  ['run', 'a', 1],
  ['run', 'a', 'x'],
  ['run', 'ab'],
  ['run', 'b'],
  ['s'],
];

/** Ranges and the keys they select, written by hand from SPEC §3. */
const CASES: Array<[string, Range, Key[]]> = [
  ['everything', {}, ORDERED],
  [
    'tuple prefix matches itself and extensions only',
    { prefix: ['run', 'a'] },
    [
      ['run', 'a'],
      ['run', 'a', 1],
      ['run', 'a', 'x'],
    ],
  ],
  [
    'one-element tuple prefix',
    { prefix: ['run'] },
    [
      ['run', 'a'],
      ['run', 'a', 1],
      ['run', 'a', 'x'],
      ['run', 'ab'],
      ['run', 'b'],
    ],
  ],
  ['tuple prefix ["a"] is not a string prefix', { prefix: ['a'] }, [['a']]],
  ['string prefix matches scalar strings only', { prefix: 'a' }, ['a', 'ab', 'abc']],
  ['string prefix "ab"', { prefix: 'ab' }, ['ab', 'abc']],
  ['empty string prefix matches every scalar string', { prefix: '' }, ['a', 'ab', 'abc', 'b']],
  ['prefix with no match', { prefix: ['zzz'] }, []],
  ['gt/lt across types', { gt: 0, lt: 'ab' }, [1.5, 10, 'a']],
  ['gte/lte across types', { gte: 0, lte: 'ab' }, [0, 1.5, 10, 'a', 'ab']],
  ['gte only', { gte: 'b' }, ['b', ['a'], ['run', 'a'], ['run', 'a', 1], ['run', 'a', 'x'], ['run', 'ab'], ['run', 'b'], ['s']]],
  [
    'gt a missing key',
    { gt: 'aa' },
    ['ab', 'abc', 'b', ['a'], ['run', 'a'], ['run', 'a', 1], ['run', 'a', 'x'], ['run', 'ab'], ['run', 'b'], ['s']],
  ],
  ['lt only', { lt: 0 }, [-5]],
  ['lte only', { lte: 0 }, [-5, 0]],
  ['gt last', { gt: ['s'] }, []],
  ['lt first', { lt: -5 }, []],
  ['inverted bounds are empty', { gt: 10, lt: 1.5 }, []],
  ['equal exclusive bounds are empty', { gt: 'a', lt: 'a' }, []],
  ['equal inclusive bounds select one key', { gte: 'a', lte: 'a' }, ['a']],
  [
    'gte a tuple shorter than stored ones',
    { gte: ['run'], lt: ['run', 'b'] },
    [
      ['run', 'a'],
      ['run', 'a', 1],
      ['run', 'a', 'x'],
      ['run', 'ab'],
    ],
  ],
  ['reverse', { reverse: true }, [...ORDERED].reverse()],
  ['reverse with limit', { reverse: true, limit: 3 }, [['s'], ['run', 'b'], ['run', 'ab']]],
  ['limit', { limit: 2 }, [-5, 0]],
  ['limit 0', { limit: 0 }, []],
  ['limit 1', { limit: 1 }, [-5]],
  ['reverse, limit 1', { reverse: true, limit: 1 }, [['s']]],
  ['prefix, reverse, limit 1 (the newest of a prefix)', { prefix: ['run'], reverse: true, limit: 1 }, [['run', 'b']]],
  ['empty prefix, reverse, limit 1', { prefix: ['nothing'], reverse: true, limit: 1 }, []],
  ['limit larger than the data', { limit: 1000 }, ORDERED],
  [
    'prefix + gt',
    { prefix: ['run', 'a'], gt: ['run', 'a'] },
    [
      ['run', 'a', 1],
      ['run', 'a', 'x'],
    ],
  ],
  [
    'prefix + lt + reverse',
    { prefix: ['run'], lt: ['run', 'ab'], reverse: true },
    [
      ['run', 'a', 'x'],
      ['run', 'a', 1],
      ['run', 'a'],
    ],
  ],
  [
    'prefix + lte + limit',
    { prefix: ['run'], lte: ['run', 'ab'], limit: 2 },
    [
      ['run', 'a'],
      ['run', 'a', 1],
    ],
  ],
  ['string prefix + gt', { prefix: 'a', gt: 'a' }, ['ab', 'abc']],
  ['prefix + bounds outside the prefix', { prefix: ['run'], gte: 'a', lte: 'b' }, []],
  ['prefix + bounds wider than the prefix', { prefix: 'ab', gte: -5, lte: ['s'] }, ['ab', 'abc']],
];

/** SPEC §3: ranges (prefix, bounds, reverse, limit) on entries, keys and count. */
export function kvRangesSpec(h: Harness): void {
  describe('kv ranges', () => {
    it('selects exactly the keys SPEC describes, and entries/keys/count agree', async () => {
      const kv = (await h.open()).kv<string>('ranges');
      await kv.putMany([...ORDERED].reverse().map((k) => [k, JSON.stringify(k)] as const));
      for (const [label, range, expected] of CASES) {
        const keys = await collect(kv.keys(range));
        expect(keys, label).toEqual(expected);
        const entries = await collect(kv.entries(range));
        expect(
          entries.map(([k]) => k),
          label,
        ).toEqual(expected);
        for (const [k, v] of entries) expect(v, label).toBe(JSON.stringify(k));
        expect(await kv.count(range), `count: ${label}`).toBe(expected.length);
      }
    });

    it('streams a 2,000-entry scan in order and survives breaking out early', async () => {
      const kv = (await h.open()).kv<number>('scan');
      const n = 2000;
      const all: Array<[Key, number]> = [];
      for (let i = 0; i < n; i++) all.push([['e', (i * 7919) % n], i]);
      for (let i = 0; i < n; i += 500) await kv.putMany(all.slice(i, i + 500));
      let expectedIndex = 0;
      for await (const [k] of kv.entries({ prefix: ['e'] })) {
        expect(k).toEqual(['e', expectedIndex]);
        expectedIndex++;
      }
      expect(expectedIndex).toBe(n);
      expect(await kv.count()).toBe(n);
      expect(await kv.count({ prefix: ['e'], gte: ['e', 1000] })).toBe(1000);

      let seen = 0;
      for await (const _ of kv.keys({ reverse: true })) {
        if (++seen === 5) break;
      }
      // An abandoned iterator must not block later writes or reads.
      await kv.put(['e', n], n);
      expect(await kv.get(['e', n])).toBe(n);
      const tail = await collect(kv.keys({ reverse: true, limit: 2 }));
      expect(tail).toEqual([
        ['e', n],
        ['e', n - 1],
      ]);
    });

    it('writes outside the range while iterating neither hang nor disturb the scan', async () => {
      const kv = (await h.open()).kv<number>('iterwrite');
      await kv.putMany(Array.from({ length: 100 }, (_, i) => [['a', i], i] as const));
      const seen: number[] = [];
      for await (const [k, v] of kv.entries({ prefix: ['a'] })) {
        expect(k).toEqual(['a', v]);
        seen.push(v);
        await kv.put(['b', v], v);
        if (v % 10 === 0) await kv.updateCounter('ctr', 1);
      }
      expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(await kv.count({ prefix: ['b'] })).toBe(100);
      expect(await kv.get('ctr')).toBe(10);
    });

    it('rejects invalid keys in ranges with INVALID_KEY', async () => {
      const kv = (await h.open()).kv<number>('badrange');
      await kv.put('a', 1);
      const bad: Range[] = [
        { gt: Number.NaN },
        { lte: [] as unknown as string },
        { prefix: ['a', ['b']] as unknown as string[] },
        { lt: true as unknown as string },
      ];
      for (const range of bad) {
        await expectCode(collect(kv.entries(range)), 'INVALID_KEY');
        await expectCode(collect(kv.keys(range)), 'INVALID_KEY');
        await expectCode(kv.count(range), 'INVALID_KEY');
      }
    });
  });
}
