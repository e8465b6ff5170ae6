import type { Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { collect, expectCode, type Harness } from '../harness.js';

/** Keys SPEC §3 rejects, with a label each. */
export const INVALID_KEYS: Array<[string, unknown]> = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['empty tuple', []],
  ['nested array', ['a', ['b']]],
  ['tuple with NaN', ['a', Number.NaN]],
  ['boolean', true],
  ['tuple with boolean', ['a', false]],
  ['null', null],
  ['undefined', undefined],
  ['object', { a: 1 }],
  ['bigint', 1n],
  ['symbol', Symbol('k')],
  ['Date', new Date(0)],
  ['lone high surrogate', 'a\uD800'],
  ['lone low surrogate', '\uDC00b'],
  ['tuple with lone surrogate', ['x', '\uD83D']],
  ['over 1 KiB', 'k'.repeat(2000)],
  ['tuple over 1 KiB', ['k', 'x'.repeat(600), 'y'.repeat(600)]],
];

/** SPEC §3: get/put/has/delete and friends, key identity and validation. */
export function kvBasicSpec(h: Harness): void {
  describe('kv basics', () => {
    it('a loop of awaited writes lets the event loop turn: a timer stops it (put, putMany, updateCounter)', async () => {
      const kv = (await h.open()).kv<unknown>('turns');
      await kv.put('first', 0); // the first write records the domain's kind
      // A write that settled through microtasks alone, every time, would starve timers: the bound
      // ends such a loop so the test fails instead of hanging.
      const BOUND = 20_000;
      for (const write of [
        (i: number) => kv.put(['p', i % 50], i),
        (i: number) => kv.putMany([[['m', i % 50], i]]),
        (i: number) => kv.updateCounter(['c', i % 50], 1),
      ]) {
        let stop = false;
        const timer = setTimeout(() => {
          stop = true;
        }, 5);
        let i = 0;
        while (!stop && i < BOUND) await write(i++);
        clearTimeout(timer);
        expect(stop).toBe(true);
      }
    });

    it('put/get/has/delete round-trip; delete is false when absent', async () => {
      const kv = (await h.open()).kv<unknown>('basic');
      expect(await kv.get('missing')).toBeUndefined();
      expect(await kv.has('missing')).toBe(false);
      await kv.put('a', { v: 1 });
      expect(await kv.get('a')).toEqual({ v: 1 });
      expect(await kv.has('a')).toBe(true);
      await kv.put('a', 'replaced');
      expect(await kv.get('a')).toBe('replaced');
      expect(await kv.delete('a')).toBe(true);
      expect(await kv.delete('a')).toBe(false);
      expect(await kv.has('a')).toBe(false);
      expect(await kv.get('a')).toBeUndefined();
    });

    it('readToken, where an adapter gives one, changes with every write (put, putMany, delete, a counter, clear) and throws CLOSED after close', async () => {
      const store = await h.open();
      const kv = store.kv<unknown>('token');
      await kv.put('a', 1); // the domain exists and has been read from this handle
      await kv.get('a');
      const writes: Array<() => Promise<unknown>> = [
        () => kv.put('a', 2),
        () => kv.putMany([['b', 1]]),
        () => kv.delete('b'),
        () => kv.updateCounter('n', 1),
        () => kv.clear(),
      ];
      for (const write of writes) {
        const before = kv.readToken();
        await write();
        const after = kv.readToken();
        // An adapter without a cheap token answers undefined, and the domain is then read afresh.
        if (before !== undefined) expect(after, 'a write left the token unchanged').not.toBe(before);
      }
      await store.close();
      expect(() => kv.readToken()).toThrowError(expect.objectContaining({ code: 'CLOSED' }));
    });

    it('stores falsy values distinctly from absence', async () => {
      const kv = (await h.open()).kv<unknown>('falsy');
      const values: unknown[] = [0, '', false, null];
      for (const [i, v] of values.entries()) await kv.put(i, v);
      for (const [i, v] of values.entries()) {
        expect(await kv.has(i)).toBe(true);
        expect(await kv.get(i)).toBe(v);
      }
    });

    it('string, number and tuple keys are distinct; "a" differs from ["a"]', async () => {
      const kv = (await h.open()).kv<string>('keys');
      const keys: Key[] = ['a', ['a'], 1, '1', [1], ['a', 1], ['a', '1'], '', [''], 1.5, -2, ['run', 'r1', 'step', 3]];
      for (const [i, k] of keys.entries()) await kv.put(k, `v${i}`);
      for (const [i, k] of keys.entries()) expect(await kv.get(k), JSON.stringify(k)).toBe(`v${i}`);
      expect(await kv.count()).toBe(keys.length);
      expect(await kv.delete(['a'])).toBe(true);
      expect(await kv.get('a')).toBe('v0');
    });

    it('-0 is the key 0', async () => {
      const kv = (await h.open()).kv<string>('zero');
      await kv.put(-0, 'neg');
      expect(await kv.get(0)).toBe('neg');
      await kv.put(0, 'pos');
      expect(await kv.get(-0)).toBe('pos');
      await kv.put(['t', -0], 'tuple');
      expect(await kv.get(['t', 0])).toBe('tuple');
      const keys = await collect(kv.keys());
      expect(keys).toHaveLength(2);
      expect(Object.is(keys[0], 0)).toBe(true);
      expect(Object.is((keys[1] as unknown[])[1], 0)).toBe(true);
    });

    it('accepts extreme but valid keys', async () => {
      const kv = (await h.open()).kv<number>('extreme');
      const keys: Key[] = [
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        Number.MIN_VALUE,
        1e-300,
        '\0',
        'a\0b',
        '😀',
        '\uFFFF',
        'k'.repeat(900),
        ['😀', '\0', -1.25],
      ];
      for (const [i, k] of keys.entries()) await kv.put(k, i);
      for (const [i, k] of keys.entries()) expect(await kv.get(k)).toBe(i);
      const back = await collect(kv.keys());
      expect(back).toHaveLength(keys.length);
      expect(back).toEqual(expect.arrayContaining(keys));
    });

    it('rejects invalid keys with INVALID_KEY on every method and writes nothing', async () => {
      const kv = (await h.open()).kv<unknown>('badkeys');
      for (const [label, key] of INVALID_KEYS) {
        const k = key as Key;
        await expectCode(kv.put(k, 1), 'INVALID_KEY').catch((e) => {
          throw new Error(`put ${label}: ${(e as Error).message}`);
        });
        await expectCode(kv.get(k), 'INVALID_KEY');
        await expectCode(kv.has(k), 'INVALID_KEY');
        await expectCode(kv.delete(k), 'INVALID_KEY');
        await expectCode(kv.updateCounter(k, 1), 'INVALID_KEY');
        await expectCode(kv.getMany(['ok', k]), 'INVALID_KEY');
      }
      expect(await kv.count()).toBe(0);
    });

    it('getMany returns values in order with undefined for absent keys', async () => {
      const kv = (await h.open()).kv<number>('many');
      await kv.putMany([
        ['a', 1],
        [['b'], 2],
        [3, 3],
      ]);
      expect(await kv.getMany([3, 'missing', 'a', ['b'], 'b', 'a'])).toEqual([3, undefined, 1, 2, undefined, 1]);
      expect(await kv.getMany([])).toEqual([]);
    });

    it('deleteMany returns how many existed; clear empties; count counts', async () => {
      const kv = (await h.open()).kv<number>('dm');
      await kv.putMany([
        ['a', 1],
        ['b', 2],
        ['c', 3],
        [['a'], 4],
      ]);
      expect(await kv.count()).toBe(4);
      expect(await kv.deleteMany(['a', 'zz', ['a']])).toBe(2);
      expect(await kv.deleteMany([])).toBe(0);
      expect(await collect(kv.keys())).toEqual(['b', 'c']);
      await kv.updateCounter('ctr', 5);
      expect(await kv.count()).toBe(3);
      await kv.clear();
      expect(await kv.count()).toBe(0);
      expect(await collect(kv.entries())).toEqual([]);
      expect(await kv.get('b')).toBeUndefined();
      await kv.put('after', 1);
      expect(await kv.get('after')).toBe(1);
    });

    it('a fresh domain is empty and its bookkeeping never shows up as entries', async () => {
      const store = await h.open();
      const kv = store.kv<number>('clean');
      expect(await kv.count()).toBe(0);
      await kv.put('only', 1);
      expect(await kv.count()).toBe(1);
      expect(await collect(kv.entries())).toEqual([['only', 1]]);
    });

    it('domains are isolated from each other', async () => {
      const store = await h.open();
      const a = store.kv<number>('iso_a');
      const b = store.kv<number>('iso_b');
      await a.put('k', 1);
      expect(await b.get('k')).toBeUndefined();
      await b.put('k', 2);
      await b.clear();
      expect(await a.get('k')).toBe(1);
    });
  });
}
