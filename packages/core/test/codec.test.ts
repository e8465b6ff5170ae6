import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, defaultCodec } from '../src/codec/index.js';
import { StoreError } from '../src/errors.js';

/** `[1, <hole>, 3]`, built without a sparse literal. */
function withHole(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

/** The StoreError `fn` throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

const roundTrip = <T>(v: T): T => defaultCodec.decode(defaultCodec.encode(v)) as T;

function nestedArrays(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe('defaultCodec round-trips every SPEC value kind', () => {
  const bigString = 'x'.repeat(100_000);
  const table: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['true', true],
    ['false', false],
    ['zero', 0],
    ['fixint', 127],
    ['128', 128],
    ['int8', -128],
    ['int32', -2_147_483_648],
    ['int32 max', 2_147_483_647],
    ['2^31', 2 ** 31],
    ['max safe', Number.MAX_SAFE_INTEGER],
    ['float', 0.1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-0', -0],
    ['min value', Number.MIN_VALUE],
    ['empty string', ''],
    ['ascii', 'hello'],
    ['127 ascii chars', 'a'.repeat(127)],
    ['128 ascii chars', 'a'.repeat(128)],
    ['long string', bigString],
    ['non-ascii', 'héllo wörld ✓'],
    ['short non-ascii tail', 'abcdefghijklmnopqrstuvwxyzé'],
    ['astral', '\u{1F600}\u{10FFFF}'],
    ['NUL', '\u0000a\u0000'],
    ['BOM first', '\uFEFFx'],
    ['lone high surrogate', '\uD800'],
    ['lone low surrogate inside', 'a\uDC00b\u{1F600}'],
    ['long string with lone surrogate', `${'y'.repeat(10_000)}\uD83D`],
    ['bigint 0', 0n],
    ['bigint', 12345678901234567890123456789n],
    ['negative bigint', -(2n ** 200n) - 1n],
    ['bigint -1', -1n],
    ['bigint 255', 255n],
    ['bigint 256', 256n],
    ['Date', new Date(1_700_000_000_123)],
    ['Date before epoch', new Date(-1)],
    ['RegExp', /a+(b)?\//gimsuy],
    ['RegExp v flag', /[\p{L}--a]/v],
    ['RegExp d flag', /x/d],
    [
      'Map',
      new Map<unknown, unknown>([
        [1, 'a'],
        ['k', { x: [1] }],
        [null, undefined],
        [NaN, new Set([1])],
      ]),
    ],
    ['Map with object key', new Map([[{ a: 1 }, 2]])],
    ['Set', new Set([1, 'a', undefined, null, 2n])],
    ['empty array', []],
    ['array with undefined', [undefined, 1, undefined]],
    ['nested', { a: { b: { c: [1, { d: 'e' }] } } }],
    ['empty object', {}],
    ['undefined member', { a: undefined }],
    ['odd keys', { '': 1, 'a b': 2, '0': 3, '10': 4, constructor: 5, toString: 6, hasOwnProperty: 7, '\uD800': 8 }],
    ['Uint8Array', Uint8Array.of(0, 1, 255)],
    ['empty Uint8Array', new Uint8Array(0)],
    ['Int8Array', Int8Array.of(-128, 127)],
    ['Uint8ClampedArray', Uint8ClampedArray.of(0, 255)],
    ['Int16Array', Int16Array.of(-32768, 32767)],
    ['Uint16Array', Uint16Array.of(65535)],
    ['Int32Array', Int32Array.of(-(2 ** 31))],
    ['Uint32Array', Uint32Array.of(2 ** 32 - 1)],
    ['Float32Array', Float32Array.of(1.5, Number.NaN, -0)],
    ['Float64Array', Float64Array.of(Math.PI, -0, Number.POSITIVE_INFINITY)],
    ['BigInt64Array', BigInt64Array.of(-(2n ** 63n), 1n)],
    ['BigUint64Array', BigUint64Array.of(2n ** 64n - 1n)],
    ['DataView', new DataView(Uint8Array.of(1, 2, 3).buffer)],
    ['ArrayBuffer', Uint8Array.of(9, 8, 7).buffer],
    ['big bytes', new Uint8Array(200_000).fill(7)],
    [
      'shared (non-cyclic) reference',
      (() => {
        const x = { v: 1 };
        return { a: x, b: x, c: [x, x] };
      })(),
    ],
    ['1000 levels of nesting', nestedArrays(DECODE_LIMITS.maxDepth)],
  ];
  for (const [name, value] of table) {
    it(name, () => {
      expect(roundTrip(value)).toStrictEqual(value);
    });
  }

  it('keeps -0, NaN and invalid Dates exactly', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip([-0])[0], -0)).toBe(true);
    expect(Number.isNaN(roundTrip(Number.NaN))).toBe(true);
    const d = roundTrip(new Date(Number.NaN));
    expect(d).toBeInstanceOf(Date);
    expect(Number.isNaN(d.getTime())).toBe(true);
  });

  it('keeps the exact UTF-16 of strings with lone surrogates', () => {
    for (const s of ['\uD800', '\uDFFFa', 'a\uD83D', '\uDE00\uD83D']) expect(roundTrip(s)).toBe(s);
  });

  it('turns holes into undefined', () => {
    const decoded = roundTrip(withHole());
    expect(decoded).toStrictEqual([1, undefined, 3]);
    expect(1 in decoded).toBe(true);
  });

  it('decodes null-prototype objects as plain {} objects', () => {
    const o = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const decoded = roundTrip(o);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded).toStrictEqual({ a: 1 });
  });

  it('returns bytes as plain typed arrays that own their memory', () => {
    const buf = Buffer.from('hello');
    const decoded = roundTrip(buf);
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype);
    expect(Buffer.isBuffer(decoded)).toBe(false);
    expect(Array.from(decoded)).toStrictEqual(Array.from(buf));

    const bytes = defaultCodec.encode({ a: Uint8Array.of(1, 2, 3), f: Float64Array.of(1), ab: new ArrayBuffer(4) });
    const out = defaultCodec.decode(bytes) as { a: Uint8Array; f: Float64Array; ab: ArrayBuffer };
    expect(Object.getPrototypeOf(out.a)).toBe(Uint8Array.prototype);
    for (const view of [out.a, out.f]) {
      expect(view.buffer).not.toBe(bytes.buffer);
      expect(view.byteOffset).toBe(0);
      expect(view.buffer.byteLength).toBe(view.byteLength);
    }
    expect(out.ab).not.toBe(bytes.buffer);
    bytes.fill(0);
    expect(Array.from(out.a)).toStrictEqual([1, 2, 3]);
  });

  it('encodes only the viewed bytes of a typed array', () => {
    const base = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    expect(roundTrip(new Uint16Array(base.buffer, 2, 3))).toStrictEqual(new Uint16Array(base.slice(2, 8).buffer));
    expect(roundTrip(base.subarray(3, 5))).toStrictEqual(Uint8Array.of(3, 4));
    expect(roundTrip(new DataView(base.buffer, 4, 2))).toStrictEqual(new DataView(Uint8Array.of(4, 5).buffer));
  });

  it('keeps __proto__ a plain own key and never touches Object.prototype', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": []}}') as Record<string, unknown>;
    const decoded = roundTrip(payload);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toStrictEqual({ polluted: true });
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    const inner = (decoded as { a: object }).a;
    expect(Array.isArray(inner)).toBe(false);
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toStrictEqual(['__proto__', 'a']);
  });

  it('returns a fresh, independent byte array per encode', () => {
    const a = defaultCodec.encode('first');
    const b = defaultCodec.encode('second');
    expect(defaultCodec.decode(a)).toBe('first');
    expect(defaultCodec.decode(b)).toBe('second');
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
  });

  it('is compact for small values', () => {
    expect(defaultCodec.encode(5)).toHaveLength(2);
    expect(defaultCodec.encode('abc')).toHaveLength(5); // version, tag+length, 3 bytes
    expect(defaultCodec.encode({ n: 1 })).toHaveLength(6); // version, tag, count, 'n', 1
    expect(defaultCodec.encode('x'.repeat(31))).toHaveLength(33);
    expect(defaultCodec.encode('x'.repeat(32))).toHaveLength(35);
  });
});

// ---- property: anything supported round-trips --------------------------------------------------

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.string({ maxLength: 40 }),
);
const leaf = fc.oneof(
  fc.constantFrom(undefined, null, true, false, -0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
  fc.integer(),
  fc.integer({ min: -200, max: 200 }),
  anyString,
  fc.bigInt(),
  fc.date(),
  fc.constantFrom(/a/g, /[x-z]+\d?/imsu, /(?<n>q)/dy),
  fc.uint8Array({ maxLength: 20 }),
  fc.int8Array({ maxLength: 5 }),
  fc.int16Array({ maxLength: 5 }),
  fc.uint16Array({ maxLength: 5 }),
  fc.int32Array({ maxLength: 5 }),
  fc.uint32Array({ maxLength: 5 }),
  fc.float32Array({ maxLength: 5 }),
  fc.float64Array({ maxLength: 5 }),
  fc.bigInt64Array({ maxLength: 5 }),
  fc.bigUint64Array({ maxLength: 5 }),
  fc.uint8ClampedArray({ maxLength: 5 }),
  fc.uint8Array({ maxLength: 8 }).map((b) => new DataView(b.buffer)),
  fc.uint8Array({ maxLength: 8 }).map((b) => b.buffer),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  // No 'constructor' key: vitest's toStrictEqual compares `.constructor`, which an own key shadows.
  object: fc.dictionary(fc.oneof(anyString, fc.constantFrom('__proto__', 'toString', '0')), tie('value'), {
    maxKeys: 5,
    noNullPrototype: true,
  }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
}));

describe('defaultCodec property', () => {
  it('round-trips arbitrary supported values', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes what it encodes from a Buffer view at an odd offset', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const bytes = defaultCodec.encode(v);
        const view = Buffer.concat([Buffer.from([0xee]), bytes]).subarray(1);
        expect(defaultCodec.decode(view)).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- rejections on encode ----------------------------------------------------------------------

class Point {
  constructor(readonly x: number) {}
}
class MyBytes extends Uint8Array {}
class MyList extends Array<number> {}

describe('defaultCodec refuses what it cannot encode', () => {
  const cyclicObject: Record<string, unknown> = { a: { b: 1 } };
  (cyclicObject.a as Record<string, unknown>).back = cyclicObject;
  const cyclicArray: unknown[] = [1, 2];
  cyclicArray.push({ list: cyclicArray });
  const cyclicMap = new Map<string, unknown>();
  cyclicMap.set('me', [cyclicMap]);
  const selfSet = new Set<unknown>();
  selfSet.add(selfSet);
  const accessor = {
    get a() {
      return 1;
    },
  };
  const proxyThrows = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('trap!');
      },
    },
  );

  const cases: Array<[string, unknown, string, RegExp?]> = [
    ['function', { a: { b: [0, 1, 2, () => 1] } }, '$.a.b[3]', /function/],
    ['top-level function', () => 1, '$', /function/],
    ['symbol', { s: Symbol('x') }, '$.s', /symbol/],
    ['class instance', { p: new Point(1) }, '$.p', /Point/],
    [
      'class instance in a map value',
      {
        map: new Map<number, unknown>([
          [1, 1],
          [2, 2],
          [3, new Point(2)],
        ]),
      },
      '$.map<value 2>',
      /Point/,
    ],
    ['class instance as a map key', new Map([[new Point(1), 1]]), '$<key 0>', /Point/],
    ['function in a set', new Set([1, () => 2]), '$<item 1>', /function/],
    ['WeakMap', [new WeakMap()], '$[0]', /WeakMap/],
    ['WeakSet', { w: new WeakSet() }, '$.w', /WeakSet/],
    ['Promise', { p: Promise.resolve(1) }, '$.p', /Promise/],
    ['Error', { err: new TypeError('boom') }, '$.err', /Error.*not supported/],
    ['cyclic object', cyclicObject, '$.a.back', /cycle/],
    ['cyclic array', cyclicArray, '$[2].list', /cycle/],
    ['cyclic map', { m: cyclicMap }, '$.m<value 0>[0]', /cycle/],
    ['self-containing set', selfSet, '$<item 0>', /cycle/],
    ['too deep', { deep: nestedArrays(DECODE_LIMITS.maxDepth) }, '$.deep[0][0]', /deeper than 1000/],
    ['accessor property', { o: accessor }, '$.o.a', /accessor/],
    ['symbol key', { o: { [Symbol('k')]: 1 } }, '$.o', /symbol-keyed/],
    ['Uint8Array subclass', { b: new MyBytes(2) }, '$.b', /MyBytes/],
    ['Array subclass', { l: MyList.from([1]) }, '$.l', /array subclass/],
    ['SharedArrayBuffer', { s: new SharedArrayBuffer(4) }, '$.s', /SharedArrayBuffer/],
    ['boxed number', { n: new Number(3) }, '$.n', /Number/],
    ['fake Date', { d: Object.create(Date.prototype) }, '$.d', /cannot encode/],
    ['throwing proxy', { x: [proxyThrows] }, '$.x[0]', /trap!/],
    ['odd key path', { 'a b': { 'c.d': Symbol() } }, '$["a b"]["c.d"]', /symbol/],
  ];
  for (const [name, value, path, reason] of cases) {
    it(`${name} → INVALID_VALUE at ${path}`, () => {
      const err = errorOf(() => defaultCodec.encode(value));
      expect(err.code).toBe('INVALID_VALUE');
      expect(err.message).toContain(`at ${path}`);
      // The path is the whole path (deep ones are shortened with an ellipsis).
      const after = err.message.slice(err.message.indexOf(`at ${path}`) + path.length + 3);
      expect(after === '' || after.startsWith('[0]')).toBe(true);
      if (reason) expect(err.message).toMatch(reason);
    });
  }

  it('still works after a failed encode (the shared buffer is reset)', () => {
    errorOf(() => defaultCodec.encode({ a: 'x'.repeat(10), f: () => 1 }));
    expect(roundTrip({ ok: true })).toStrictEqual({ ok: true });
  });

  it('survives a huge value and shrinks back', () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(3);
    const out = roundTrip(big);
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(Buffer.compare(out, big)).toBe(0);
    expect(roundTrip('small')).toBe('small');
  });
});
