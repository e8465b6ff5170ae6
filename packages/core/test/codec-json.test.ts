import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, jsonCodec } from '../src/codec/index.js';
import { StoreError } from '../src/errors.js';

/** `[1, <hole>, 3]`, built without a sparse literal. */
function withHole(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

function errorOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

const roundTrip = (v: unknown): unknown => jsonCodec.decode(jsonCodec.encode(v));

describe('jsonCodec', () => {
  it('round-trips JSON data as UTF-8', () => {
    const value = { a: [1, 2.5, -3, 'x', null, true, false], b: { c: 'héllo ✓ \u{1F600}' }, '': {}, n: Number.MAX_VALUE };
    const bytes = jsonCodec.encode(value);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(Buffer.from(bytes).toString('utf8')).toBe(JSON.stringify(value));
    expect(roundTrip(value)).toStrictEqual(value);
    for (const v of [null, 0, 1, 'str', true, [], {}, '\uD800']) expect(roundTrip(v)).toStrictEqual(v);
  });

  it('round-trips arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (v) => {
        // fc.jsonValue may produce -0, which JSON cannot keep: that one must be refused.
        let bytes: Uint8Array;
        try {
          bytes = jsonCodec.encode(v);
        } catch (err) {
          expect((err as StoreError).code).toBe('INVALID_VALUE');
          expect((err as StoreError).message).toMatch(/-0/);
          return;
        }
        expect(jsonCodec.decode(bytes)).toStrictEqual(v);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps __proto__ an own key on decode', () => {
    const decoded = jsonCodec.decode(Buffer.from('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(roundTrip(decoded)).toStrictEqual(decoded);
  });

  it('accepts null-prototype objects and exactly maxDepth levels', () => {
    const o = Object.assign(Object.create(null) as object, { a: 1 });
    expect(roundTrip(o)).toStrictEqual({ a: 1 });
    let deep: unknown = 1;
    for (let i = 0; i < DECODE_LIMITS.maxDepth; i++) deep = [deep];
    expect(roundTrip(deep)).toStrictEqual(deep);
  });

  class Thing {}
  const cyclic: Record<string, unknown> = {};
  cyclic.me = { again: cyclic };
  let tooDeep: unknown = 1;
  for (let i = 0; i < DECODE_LIMITS.maxDepth + 1; i++) tooDeep = [tooDeep];

  const cases: Array<[string, unknown, string]> = [
    ['NaN', { a: [1, Number.NaN] }, '$.a[1]'],
    ['Infinity', { x: Number.POSITIVE_INFINITY }, '$.x'],
    ['-Infinity', [Number.NEGATIVE_INFINITY], '$[0]'],
    ['-0', { z: -0 }, '$.z'],
    ['top-level undefined', undefined, '$'],
    ['undefined in an object', { u: undefined }, '$.u'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['hole', withHole(), '$[1]'],
    ['BigInt', { b: 1n }, '$.b'],
    ['Date', { d: new Date(0) }, '$.d'],
    ['Map', { m: new Map() }, '$.m'],
    ['Set', { s: new Set() }, '$.s'],
    ['RegExp', { r: /x/ }, '$.r'],
    ['typed array', { t: new Uint8Array(1) }, '$.t'],
    ['Buffer', { t: Buffer.from('x') }, '$.t'],
    ['ArrayBuffer', { t: new ArrayBuffer(1) }, '$.t'],
    ['class instance', { deep: { thing: new Thing() } }, '$.deep.thing'],
    ['function', { f: () => 1 }, '$.f'],
    ['toJSON method', { d: { toJSON: () => 'x' } }, '$.d.toJSON'],
    ['symbol', { s: Symbol() }, '$.s'],
    ['symbol key', { o: { [Symbol()]: 1 } }, '$.o'],
    [
      'accessor',
      {
        o: {
          get g() {
            return 1;
          },
        },
      },
      '$.o.g',
    ],
    ['cycle', cyclic, '$.me.again'],
    ['too deep', tooDeep, '$[0][0]'],
  ];
  for (const [name, value, path] of cases) {
    it(`refuses ${name} with INVALID_VALUE at ${path}`, () => {
      const err = errorOf(() => jsonCodec.encode(value));
      expect(err.code).toBe('INVALID_VALUE');
      expect(err.message).toContain(`at ${path}`);
    });
  }

  it('reports malformed bytes as DECODE', () => {
    for (const text of ['', '{', 'undefined', '{"a":1}x', '\uFEFF{}', "{'a':1}"]) {
      expect(errorOf(() => jsonCodec.decode(Buffer.from(text))).code).toBe('DECODE');
    }
    expect(errorOf(() => jsonCodec.decode(Uint8Array.of(0x22, 0xff, 0x22))).code).toBe('DECODE');
  });
});
