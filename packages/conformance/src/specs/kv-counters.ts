import { jsonCodec, rawCodec } from '@agentstore/core';
import type { CounterOp, Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

/** Ops SPEC §3 rejects with INVALID_VALUE. */
export const INVALID_OPS: Array<[string, unknown]> = [
  ['threshold without setTo', { by: 1, threshold: 5 }],
  ['fractional by', 1.5],
  ['fractional by in an object', { by: 0.5 }],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['by beyond safe integers', 2 ** 53],
  ['fractional setTo', { by: 1, threshold: 0, setTo: 0.5 }],
  ['string', '1'],
  ['missing by', { threshold: 1, setTo: 0 }],
];

/** SPEC §3: durable counters with `ets:update_counter` semantics. */
export function kvCountersSpec(h: Harness): void {
  describe('kv counters', () => {
    it('a missing counter starts at 0; increments and decrements', async () => {
      const kv = (await h.open()).kv('ctr');
      expect(await kv.updateCounter('c', 1)).toBe(1);
      expect(await kv.updateCounter('c', 41)).toBe(42);
      expect(await kv.updateCounter('c', -50)).toBe(-8);
      expect(await kv.updateCounter('c', 0)).toBe(-8);
      expect(await kv.updateCounter(['t', 1], { by: 3 })).toBe(3);
      expect(await kv.updateCounter('zero', 0)).toBe(0);
      expect(await kv.get('c')).toBe(-8);
      expect(await kv.get(['t', 1])).toBe(3);
    });

    it('bounded increments follow ets:update_counter in both directions', async () => {
      const kv = (await h.open()).kv('bounded');
      await kv.updateCounter('up', 8);
      expect(await kv.updateCounter('up', { by: 2, threshold: 10, setTo: 0 })).toBe(10); // not above
      expect(await kv.updateCounter('up', { by: 1, threshold: 10, setTo: 0 })).toBe(0); // 11 > 10
      expect(await kv.updateCounter('up', { by: 0, threshold: -1, setTo: 7 })).toBe(7); // 0 > -1
      await kv.updateCounter('down', 2);
      expect(await kv.updateCounter('down', { by: -2, threshold: 0, setTo: 100 })).toBe(0); // not below
      expect(await kv.updateCounter('down', { by: -1, threshold: 0, setTo: 100 })).toBe(100); // -1 < 0
      expect(await kv.updateCounter('fresh', { by: 5, threshold: 3, setTo: -4 })).toBe(-4);
      expect(await kv.updateCounter('fresh2', { by: -5, threshold: -3, setTo: 9 })).toBe(9);
      expect(await kv.get('up')).toBe(7);
      expect(await kv.get('down')).toBe(100);
    });

    it('rejects invalid ops with INVALID_VALUE and writes nothing', async () => {
      const kv = (await h.open()).kv('badops');
      await kv.updateCounter('existing', 5);
      for (const [label, op] of INVALID_OPS) {
        await expectCode(kv.updateCounter('new', op as CounterOp), 'INVALID_VALUE').catch((e) => {
          throw new Error(`${label}: ${(e as Error).message}`);
        });
        await expectCode(kv.updateCounter('existing', op as CounterOp), 'INVALID_VALUE');
      }
      expect(await kv.has('new')).toBe(false);
      expect(await kv.get('existing')).toBe(5);
    });

    it('rejects results beyond the safe-integer range and keeps the old value', async () => {
      const kv = (await h.open()).kv('safe');
      expect(await kv.updateCounter('max', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
      await expectCode(kv.updateCounter('max', 1), 'INVALID_VALUE');
      expect(await kv.get('max')).toBe(Number.MAX_SAFE_INTEGER);
      expect(await kv.updateCounter('min', Number.MIN_SAFE_INTEGER)).toBe(Number.MIN_SAFE_INTEGER);
      await expectCode(kv.updateCounter('min', -1), 'INVALID_VALUE');
      expect(await kv.get('min')).toBe(Number.MIN_SAFE_INTEGER);
    });

    it('updating a key holding a non-counter value rejects INVALID_VALUE', async () => {
      const kv = (await h.open()).kv<unknown>('mixed');
      await kv.put('obj', { n: 1 });
      await kv.put('str', 'text');
      await expectCode(kv.updateCounter('obj', 1), 'INVALID_VALUE');
      await expectCode(kv.updateCounter('str', { by: 1, threshold: 5, setTo: 0 }), 'INVALID_VALUE');
      expect(await kv.get('obj')).toEqual({ n: 1 });
      expect(await kv.get('str')).toBe('text');
      // put over a counter replaces it with a plain value
      await kv.updateCounter('c', 3);
      await kv.put('c', 'plain');
      expect(await kv.get('c')).toBe('plain');
    });

    it('a counter reads as a number whatever codec the handle uses', async () => {
      const store = await h.open();
      const plain = store.kv('codecs');
      await plain.updateCounter('c', 12);
      expect(await store.kv('codecs', { codec: jsonCodec }).get('c')).toBe(12);
      expect(await store.kv<Uint8Array>('codecs', { codec: rawCodec }).get('c')).toBe(12);
      expect(await store.kv<Uint8Array>('codecs', { codec: rawCodec }).updateCounter('c', 1)).toBe(13);
      expect(await store.kv('codecs', { codec: jsonCodec }).getMany(['c'])).toEqual([13]);
      expect(await plain.get('c')).toBe(13);
    });

    it('updateCounters applies ops in order, returns each result, across keys', async () => {
      const kv = (await h.open()).kv('multi');
      await kv.updateCounter('b', 10);
      const ops: Array<[Key, CounterOp]> = [
        ['a', 1],
        ['a', 2],
        ['b', -4],
        ['a', { by: -10, threshold: 0, setTo: 0 }],
        [['t'], { by: 5 }],
        ['a', 7],
      ];
      expect(await kv.updateCounters(ops)).toEqual([1, 3, 6, 0, 5, 7]);
      expect(await kv.getMany(['a', 'b', ['t']])).toEqual([7, 6, 5]);
      expect(await kv.updateCounters([])).toEqual([]);
    });

    it('updateCounters is atomic: one bad op applies none', async () => {
      const kv = (await h.open()).kv<unknown>('multibad');
      await kv.updateCounter('a', 1);
      await kv.put('text', 'x');
      await expectCode(
        kv.updateCounters([
          ['a', 1],
          ['b', 1],
          ['a', 1.5],
        ]),
        'INVALID_VALUE',
      );
      await expectCode(
        kv.updateCounters([
          ['a', 1],
          ['text', 1],
        ]),
        'INVALID_VALUE',
      );
      await expectCode(
        kv.updateCounters([
          ['a', 1],
          [Number.NaN, 1],
        ]),
        'INVALID_KEY',
      );
      await expectCode(
        kv.updateCounters([
          ['a', Number.MAX_SAFE_INTEGER - 1],
          ['a', 5],
        ]),
        'INVALID_VALUE',
      );
      expect(await kv.get('a')).toBe(1);
      expect(await kv.has('b')).toBe(false);
    });

    it('200 concurrent updates on one key are exact', async () => {
      const kv = (await h.open()).kv('race');
      const results = await Promise.all(Array.from({ length: 200 }, () => kv.updateCounter('hot', 1)));
      expect(await kv.get('hot')).toBe(200);
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const mixed = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          kv.updateCounters([
            ['x', 1],
            ['y', i % 2 === 0 ? 2 : -1],
          ]),
        ),
      );
      expect(mixed).toHaveLength(100);
      expect(await kv.getMany(['x', 'y'])).toEqual([100, 50]);
    });
  });

  // A lone update on a domain whose kind is recorded may take a backend's native path
  // (`DomainBackend.updateCounters`) instead of a transaction: the same semantics, checked there.
  describe('kv counters, one call at a time on a domain already written', () => {
    it('bounded ops, safe-range overflow and non-counter values behave as in a transaction', async () => {
      const kv = (await h.open()).kv<unknown>('lone');
      await kv.put('seed', 'written first, so the kind is recorded');
      expect(await kv.updateCounter('up', 9)).toBe(9);
      expect(await kv.updateCounter('up', { by: 1, threshold: 10, setTo: -1 })).toBe(10);
      expect(await kv.updateCounter('up', { by: 1, threshold: 10, setTo: -1 })).toBe(-1);
      expect(await kv.updateCounter('down', { by: -3, threshold: -2, setTo: 50 })).toBe(50);
      expect(await kv.updateCounter('max', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
      await expectCode(kv.updateCounter('max', 1), 'INVALID_VALUE');
      expect(await kv.get('max')).toBe(Number.MAX_SAFE_INTEGER);
      // Past the threshold the counter becomes setTo, even where the plain sum would overflow.
      expect(await kv.updateCounter('max', { by: 1, threshold: Number.MAX_SAFE_INTEGER, setTo: 0 })).toBe(0);
      await expectCode(kv.updateCounter('seed', 1), 'INVALID_VALUE');
      await expectCode(
        kv.updateCounters([
          ['fresh', 1],
          ['seed', 1],
        ]),
        'INVALID_VALUE',
      );
      expect(await kv.has('fresh')).toBe(false);
      expect(await kv.get('seed')).toBe('written first, so the kind is recorded');
      expect(
        await kv.updateCounters([
          ['m', 1],
          ['m', { by: 5, threshold: 3, setTo: 2 }],
          ['m', 4],
        ]),
      ).toEqual([1, 2, 6]);
      expect(await kv.getMany(['up', 'down', 'm'])).toEqual([-1, 50, 6]);
    });

    it('keeps call order with writes issued before it and not awaited', async () => {
      const kv = (await h.open()).kv<unknown>('order');
      await kv.updateCounter('c', 5);
      const put = kv.put('c', 'text');
      await expectCode(kv.updateCounter('c', 1), 'INVALID_VALUE');
      await put;
      const del = kv.delete('c');
      expect(await kv.updateCounter('c', 2)).toBe(2);
      expect(await del).toBe(true);
      expect(await kv.get('c')).toBe(2);
    });

    it('serial updates on a strict domain are exact and survive reopening', async () => {
      const store = await h.open({ domains: { strict_ctr: { durability: 'strict' } } });
      const kv = store.kv('strict_ctr');
      await kv.put('seed', 1);
      for (let i = 0; i < 51; i++) expect(await kv.updateCounter(['n', i % 3], 1)).toBe(Math.floor(i / 3) + 1);
      expect(
        await kv.getMany([
          ['n', 0],
          ['n', 1],
          ['n', 2],
        ]),
      ).toEqual([17, 17, 17]);
      if (!h.caps.persistent) return;
      await store.close();
      const again = await h.open({ domains: { strict_ctr: { durability: 'strict' } } });
      expect(await again.kv('strict_ctr').updateCounter(['n', 0], 1)).toBe(18);
    });
  });
}
