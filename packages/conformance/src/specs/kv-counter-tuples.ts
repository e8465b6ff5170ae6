import type { TupleCounterOps } from '@agentstore/core';
import { jsonCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

/** Tuple ops rejected with INVALID_VALUE before anything is written. */
const INVALID_TUPLE_OPS: Array<[string, unknown]> = [
  ['empty list', []],
  ['negative position', [[-1, 1]]],
  ['fractional position', [[1.5, 1]]],
  ['position past the limit', [[256, 1]]],
  ['position as a string', [['0', 1]]],
  ['not a pair', [[0]]],
  ['threshold without setTo', [[0, { by: 1, threshold: 3 }]]],
  ['fractional by', [[0, 0.5]]],
  [
    'one bad op among good ones',
    [
      [0, 1],
      [1, Number.NaN],
    ],
  ],
];

/** Issue 22 item 2 (BeamAgent.Store's `{Pos, Incr}` ops on a tuple): several counters in one record. */
export function kvCounterTuplesSpec(h: Harness): void {
  describe('kv tuple counters', () => {
    it('applies each op to its position in order and returns each result', async () => {
      const kv = (await h.open()).kv<unknown>('tup');
      expect(
        await kv.updateCounter('t', [
          [0, 1],
          [2, 5],
        ]),
      ).toEqual([1, 5]);
      expect(await kv.get('t')).toEqual([1, 0, 5]);
      expect(
        await kv.updateCounter('t', [
          [1, 3],
          [1, 4],
          [0, -2],
        ]),
      ).toEqual([3, 7, -1]);
      expect(await kv.get('t')).toEqual([-1, 7, 5]);
      expect(await kv.updateCounter(['run', 'r1'], [[4, { by: 2 }]])).toEqual([2]);
      expect(await kv.get(['run', 'r1'])).toEqual([0, 0, 0, 0, 2]);
      expect(await kv.has('t')).toBe(true);
    });

    it('bounds each position like ets:update_counter {Pos, Incr, Threshold, SetValue}', async () => {
      const kv = (await h.open()).kv<unknown>('tupb');
      await kv.updateCounter('w', [
        [0, 8],
        [1, 2],
      ]);
      expect(
        await kv.updateCounter('w', [
          [0, { by: 2, threshold: 10, setTo: 0 }], // 10: not above
          [1, { by: -3, threshold: 0, setTo: 9 }], // -1 < 0: reset
          [0, { by: 1, threshold: 10, setTo: -5 }], // 11 > 10: reset
        ]),
      ).toEqual([10, 9, -5]);
      expect(await kv.get('w')).toEqual([-5, 9]);
    });

    it('is atomic across positions: an op past the safe range writes none of them', async () => {
      const kv = (await h.open()).kv<unknown>('tupa');
      await kv.updateCounter('a', [
        [0, 1],
        [1, Number.MAX_SAFE_INTEGER - 1],
      ]);
      await expectCode(
        kv.updateCounter('a', [
          [0, 10],
          [1, 5],
        ]),
        'INVALID_VALUE',
      );
      expect(await kv.get('a')).toEqual([1, Number.MAX_SAFE_INTEGER - 1]);
    });

    it('concurrent updates stay exact on every position', async () => {
      const kv = (await h.open()).kv<unknown>('tupc');
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          kv.updateCounter('hot', [
            [0, 1],
            [1, i % 2 === 0 ? 2 : -1],
            [2, { by: 1, threshold: 9, setTo: 0 }],
          ]),
        ),
      );
      expect(await kv.get('hot')).toEqual([60, 30, 60 % 10]);
    });

    it.skipIf(!h.caps.multiProcess)('two stores on one dataDir update one tuple exactly', async () => {
      const a = (await h.open()).kv<unknown>('tupm');
      const b = (await h.open()).kv<unknown>('tupm');
      await a.updateCounter('x', [[0, 0]]);
      const bump = (kv: typeof a) =>
        kv.updateCounter('x', [
          [0, 1],
          [1, 1],
        ]);
      await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 === 0 ? a : b)));
      expect(await a.get('x')).toEqual([40, 40]);
      expect(await b.get('x')).toEqual([40, 40]);
    });

    it('rejects malformed ops and mixing a tuple with a single counter or a value', async () => {
      const kv = (await h.open()).kv<unknown>('tupi');
      await kv.updateCounter('tuple', [[0, 5]]);
      await kv.updateCounter('single', 5);
      await kv.put('text', 'x');
      for (const [label, ops] of INVALID_TUPLE_OPS) {
        await expectCode(kv.updateCounter('fresh', ops as TupleCounterOps), 'INVALID_VALUE').catch((e) => {
          throw new Error(`${label}: ${(e as Error).message}`);
        });
        await expectCode(kv.updateCounter('tuple', ops as TupleCounterOps), 'INVALID_VALUE');
      }
      await expectCode(kv.updateCounter('single', [[0, 1]]), 'INVALID_VALUE');
      await expectCode(kv.updateCounter('text', [[0, 1]]), 'INVALID_VALUE');
      await expectCode(kv.updateCounter('tuple', 1), 'INVALID_VALUE');
      await expectCode(kv.updateCounters([['tuple', 1]]), 'INVALID_VALUE');
      expect(await kv.has('fresh')).toBe(false);
      expect(await kv.get('tuple')).toEqual([5]);
      expect(await kv.get('single')).toBe(5);
      expect(await kv.get('text')).toBe('x');
    });

    it('reads as numbers through any codec, and runs in one transaction in buffered domains', async () => {
      const store = await h.open({ domains: { tupbuf: { counters: 'buffered', counterFlushMs: 60_000 } } });
      const json = store.kv<unknown>('tupi2', { codec: jsonCodec });
      await json.updateCounter('j', [[1, 3]]);
      expect(await json.get('j')).toEqual([0, 3]);
      const kv = store.kv<unknown>('tupbuf');
      await kv.updateCounter('single', 2); // pending, in memory
      expect(await kv.updateCounter('t', [[0, 1]])).toEqual([1]);
      expect(await kv.get('t')).toEqual([1]);
      expect(await kv.get('single')).toBe(2);
      await expectCode(kv.updateCounter('t', 1), 'INVALID_VALUE');
      expect(await kv.get('t')).toEqual([1]);
    });
  });
}
