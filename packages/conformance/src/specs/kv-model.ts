import type { Range } from '@agentstore/core';
import type { Key } from '@agentstore/core/spi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, expectCode, type Harness } from '../harness.js';
import { compareKeys, inRange, keyId } from '../key-order.js';

/** A small key pool, so that operations collide often. */
const POOL: Key[] = [0, -1, 2.5, 'a', 'ab', 'b', ['a'], ['a', 1], ['a', 'x'], ['b', 0]];
const key = fc.constantFrom(...POOL);
/** Values are never numbers, so a plain value is never mistaken for a counter. */
const value = fc.oneof(fc.string({ maxLength: 5 }), fc.record({ n: fc.integer(), s: fc.array(fc.boolean(), { maxLength: 3 }) }));
const range: fc.Arbitrary<Range> = fc.record(
  {
    prefix: fc.constantFrom<Key>('a', ['a'], ['b']),
    gte: key,
    lt: key,
    reverse: fc.boolean(),
    limit: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: [] },
);

type Op =
  | { op: 'put'; key: Key; value: unknown }
  | { op: 'delete'; key: Key }
  | { op: 'putMany'; entries: Array<[Key, unknown]> }
  | { op: 'deleteMany'; keys: Key[] }
  | { op: 'counter'; key: Key; by: number }
  | { op: 'counters'; ops: Array<[Key, number]> }
  | { op: 'clear' }
  | { op: 'get'; key: Key }
  | { op: 'range'; range: Range };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), key, value }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('putMany' as const), entries: fc.array(fc.tuple(key, value), { maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteMany' as const), keys: fc.array(key, { maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('counter' as const), key, by: fc.integer({ min: -5, max: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('counters' as const),
      ops: fc.array(fc.tuple(key, fc.integer({ min: -3, max: 3 })), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('range' as const), range }) },
);

interface Cell {
  key: Key;
  value: unknown;
  counter: boolean;
}

/** SPEC §3 as a model: random operation sequences against a plain Map must agree with the store. */
export function kvModelSpec(h: Harness): void {
  describe('kv model', () => {
    it('random operation sequences agree with an in-memory model (property)', async () => {
      const kv = (await h.open()).kv<unknown>('model');
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
          await kv.clear();
          const model = new Map<string, Cell>();
          const sorted = () => [...model.values()].sort((x, y) => compareKeys(x.key, y.key));
          for (const o of ops) {
            switch (o.op) {
              case 'put':
                await kv.put(o.key, o.value);
                model.set(keyId(o.key), { key: o.key, value: o.value, counter: false });
                break;
              case 'delete':
                expect(await kv.delete(o.key)).toBe(model.delete(keyId(o.key)));
                break;
              case 'putMany':
                await kv.putMany(o.entries);
                for (const [k, v] of o.entries) model.set(keyId(k), { key: k, value: v, counter: false });
                break;
              case 'deleteMany': {
                const distinct = [...new Map(o.keys.map((k) => [keyId(k), k])).values()];
                let n = 0;
                for (const k of distinct) if (model.delete(keyId(k))) n++;
                expect(await kv.deleteMany(distinct)).toBe(n);
                break;
              }
              case 'counter': {
                const cell = model.get(keyId(o.key));
                if (cell && !cell.counter) {
                  await expectCode(kv.updateCounter(o.key, o.by), 'INVALID_VALUE');
                } else {
                  const next = ((cell?.value as number | undefined) ?? 0) + o.by;
                  expect(await kv.updateCounter(o.key, o.by)).toBe(next);
                  model.set(keyId(o.key), { key: o.key, value: next, counter: true });
                }
                break;
              }
              case 'counters': {
                const scratch = new Map(model);
                const results: number[] = [];
                let bad = false;
                for (const [k, by] of o.ops) {
                  const cell = scratch.get(keyId(k));
                  if (cell && !cell.counter) {
                    bad = true;
                    break;
                  }
                  const next = ((cell?.value as number | undefined) ?? 0) + by;
                  results.push(next);
                  scratch.set(keyId(k), { key: k, value: next, counter: true });
                }
                if (bad) {
                  await expectCode(kv.updateCounters(o.ops), 'INVALID_VALUE');
                } else {
                  expect(await kv.updateCounters(o.ops)).toEqual(results);
                  model.clear();
                  for (const [id, c] of scratch) model.set(id, c);
                }
                break;
              }
              case 'clear':
                await kv.clear();
                model.clear();
                break;
              case 'get':
                expect(await kv.get(o.key)).toEqual(model.get(keyId(o.key))?.value);
                break;
              case 'range': {
                let want = sorted().filter((c) => inRange(c.key, o.range));
                if (o.range.reverse) want.reverse();
                if (o.range.limit !== undefined) want = want.slice(0, o.range.limit);
                const got = await collect(kv.entries(o.range));
                expect(got).toEqual(want.map((c) => [c.key, c.value]));
                expect(await kv.count(o.range)).toBe(want.length);
                break;
              }
            }
          }
          const all = await collect(kv.entries());
          expect(all).toEqual(sorted().map((c) => [c.key, c.value]));
        }),
        { numRuns: 40 },
      );
    });
  });
}
