import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../src/errors.js';
import {
  compareBytes,
  decodeKey,
  encodeKey,
  encodeKeyTransient,
  isEmptyByteRange,
  MAX_KEY_BYTES,
  ownedKey,
  prefixUpperBound,
  rangeToBytes,
} from '../src/keys/index.js';
import type { ByteRange } from '../src/spi/backend.js';
import type { Key, KeyPart, Range } from '../src/types.js';

/** `[1, <hole>, 3]`, built without a sparse literal. */
function withHole(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

// ---- reference semantics, written straight from SPEC §3 -------------------------------------------

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function refComparePart(a: KeyPart, b: KeyPart): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') return -1; // numbers before strings
  if (typeof b === 'number') return 1;
  return sign(Buffer.compare(utf8(a), utf8(b))); // strings by UTF-8 bytes
}

function refCompare(a: Key, b: Key): number {
  const at = Array.isArray(a);
  const bt = Array.isArray(b);
  if (at !== bt) return at ? 1 : -1; // scalars before tuples
  if (!Array.isArray(a) || !Array.isArray(b)) return refComparePart(a as KeyPart, b as KeyPart);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = refComparePart(a[i] as KeyPart, b[i] as KeyPart);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length); // a shorter tuple before its extensions
}

function refPrefixMatches(prefix: Key, k: Key): boolean {
  if (Array.isArray(prefix)) {
    return Array.isArray(k) && k.length >= prefix.length && prefix.every((p, i) => refComparePart(p, k[i] as KeyPart) === 0);
  }
  if (typeof prefix === 'string') return typeof k === 'string' && k.startsWith(prefix);
  return typeof k === 'number' && k === prefix;
}

function refInRange(k: Key, r: Range): boolean {
  if (r.prefix !== undefined && !refPrefixMatches(r.prefix, k)) return false;
  if (r.gt !== undefined && !(refCompare(k, r.gt) > 0)) return false;
  if (r.gte !== undefined && !(refCompare(k, r.gte) >= 0)) return false;
  if (r.lt !== undefined && !(refCompare(k, r.lt) < 0)) return false;
  if (r.lte !== undefined && !(refCompare(k, r.lte) <= 0)) return false;
  return true;
}

function inByteRange(b: Uint8Array, r: ByteRange): boolean {
  if (r.gt && !(compareBytes(b, r.gt) > 0)) return false;
  if (r.gte && !(compareBytes(b, r.gte) >= 0)) return false;
  if (r.lt && !(compareBytes(b, r.lt) < 0)) return false;
  if (r.lte && !(compareBytes(b, r.lte) <= 0)) return false;
  return true;
}

/** What decode(encode(k)) must give: -0 becomes 0. */
function normalize(k: Key): Key {
  const n = (p: KeyPart): KeyPart => (typeof p === 'number' ? p + 0 : p);
  return typeof k === 'object' ? k.map(n) : n(k);
}

// ---- generators ------------------------------------------------------------------------------------

const numberArb = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 1, -1, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, -(2 ** 53), 0.1, -0.1),
);
const tricky = fc.constantFrom('a', 'b', '\u0000', '\u0001', '\u0002', '\u00ff', 'é', '\u{1F600}', '\uFFFF', '\uFEFF');
const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: tricky, maxLength: 5 }),
  fc.constantFrom('', '\u0000', '\u0001', '\u0000\u0001', 'a\u0000', 'a\u0001', 'ab', 'abc'),
);
const partArb: fc.Arbitrary<KeyPart> = fc.oneof(numberArb, stringArb);
const keyArb: fc.Arbitrary<Key> = fc.oneof(partArb, fc.array(partArb, { minLength: 1, maxLength: 4 }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return (err as StoreError).code;
  }
  return undefined;
}

// ---- tests -----------------------------------------------------------------------------------------

describe('encodeKey ordering', () => {
  it('agrees with the SPEC comparator and round-trips', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const ea = encodeKey(a);
        const eb = encodeKey(b);
        expect(sign(compareBytes(ea, eb))).toBe(refCompare(a, b));
        expect(decodeKey(ea)).toStrictEqual(normalize(a));
        expect(ea[0]).toBeGreaterThanOrEqual(0x10);
        expect(ea[0]).toBeLessThan(0x40);
      }),
      { numRuns: 5000 },
    );
  });

  it('orders a hand-picked list', () => {
    const sorted: Key[] = [
      -Number.MAX_VALUE,
      -1,
      -Number.MIN_VALUE,
      0,
      Number.MIN_VALUE,
      1,
      2 ** 60,
      '',
      '\u0000',
      '\u0001',
      'a',
      'a\u0000',
      'ab',
      'é',
      '\uFFFF',
      '\u{1F600}',
      [-1],
      [0],
      [0, 'a'],
      [1],
      [''],
      ['\u0000'],
      ['\u0000', 1],
      ['\u0001'],
      ['a'],
      ['a', 0],
      ['a', ''],
      ['a\u0000'],
      ['a\u0001'],
      ['ab'],
    ];
    const encoded = sorted.map(encodeKey);
    for (let i = 1; i < encoded.length; i++) {
      expect(compareBytes(encoded[i - 1] as Uint8Array, encoded[i] as Uint8Array), `${i}`).toBeLessThan(0);
    }
  });

  it('treats -0 as 0 and keeps a and [a] apart', () => {
    expect(encodeKey(-0)).toStrictEqual(encodeKey(0));
    expect(Object.is(decodeKey(encodeKey(-0)), 0)).toBe(true);
    expect(encodeKey(['x', -0])).toStrictEqual(encodeKey(['x', 0]));
    expect(compareBytes(encodeKey('a'), encodeKey(['a']))).not.toBe(0);
    expect(compareBytes(encodeKey(1), encodeKey([1]))).not.toBe(0);
  });

  it('returns bytes the caller owns', () => {
    const a = encodeKey('abc');
    const b = encodeKey('xyz');
    expect(decodeKey(a)).toBe('abc');
    expect(decodeKey(b)).toBe('xyz');
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('encodeKeyTransient gives encodeKey bytes that the next encoding overwrites; ownedKey keeps a copy', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (k1, k2) => {
        const view = encodeKeyTransient(k1);
        expect(Array.from(view)).toEqual(Array.from(encodeKey(k1)));
        const kept = ownedKey(view);
        encodeKeyTransient(k2);
        expect(decodeKey(kept)).toEqual(decodeKey(encodeKey(k1)));
      }),
    );
    const view = encodeKeyTransient('abc');
    encodeKeyTransient('xyz');
    expect(decodeKey(view)).toBe('xyz');
    expect(() => encodeKeyTransient(Number.NaN)).toThrow(StoreError);
  });
});

describe('encodeKey validation', () => {
  const cyclic: unknown[] = ['a'];
  cyclic.push(cyclic);
  const cases: Array<[string, unknown]> = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['lone high surrogate', '\uD800'],
    ['lone low surrogate inside', 'a\uDC00b'],
    ['reversed pair', '\uDE00\uD83D'],
    ['empty tuple', []],
    ['nested array', [['a']]],
    ['nested array later', ['a', [1]]],
    ['NaN in tuple', ['a', Number.NaN]],
    ['lone surrogate in tuple', ['a', '\uD800']],
    ['hole in tuple', withHole()],
    ['undefined in tuple', [1, undefined]],
    ['boolean', true],
    ['boolean in tuple', [true]],
    ['object', {}],
    ['null', null],
    ['undefined', undefined],
    ['bigint', 1n],
    ['symbol', Symbol('k')],
    ['function', () => 1],
    ['Date', new Date(0)],
    ['cyclic array', cyclic],
    ['string over 1 KiB', 'x'.repeat(MAX_KEY_BYTES)],
    ['multi-byte string over 1 KiB', 'é'.repeat(512)],
    ['tuple over 1 KiB', Array.from({ length: 120 }, () => 1)],
    ['tuple of strings over 1 KiB', Array.from({ length: 300 }, () => 'abc')],
    ['escaped string over 1 KiB', ['\u0000'.repeat(600)]],
    ['huge string', 'x'.repeat(1_000_000)],
  ];
  for (const [name, key] of cases) {
    it(`rejects ${name} with INVALID_KEY`, () => {
      expect(codeOf(() => encodeKey(key))).toBe('INVALID_KEY');
    });
  }

  it('names the key or the tuple element an error is about', () => {
    expect(() => encodeKey(Number.NaN)).toThrow(/^key must be a finite number, got NaN$/);
    expect(() => encodeKey(['a', Number.NaN])).toThrow(/^key\[1\] must be a finite number, got NaN$/);
    expect(() => encodeKey('\uD800')).toThrow(/^key contains a lone surrogate$/);
    expect(() => encodeKey(['a', 'b', 'x\uD800'])).toThrow(/^key\[2\] contains a lone surrogate$/);
  });

  it('accepts keys of exactly 1 KiB', () => {
    expect(encodeKey('x'.repeat(MAX_KEY_BYTES - 1))).toHaveLength(MAX_KEY_BYTES);
    // tag + 113 numbers of 9 bytes = 1018 bytes; + one 'abcd' string element (6 bytes) = 1024.
    const tuple: KeyPart[] = [...Array.from({ length: 113 }, (_, i) => i), 'abcd'];
    expect(encodeKey(tuple)).toHaveLength(MAX_KEY_BYTES);
    expect(decodeKey(encodeKey(tuple))).toStrictEqual(tuple);
  });

  it('never produces a reserved first byte', () => {
    fc.assert(fc.property(keyArb, (k) => (encodeKey(k)[0] as number) >= 0x10));
  });
});

describe('decodeKey', () => {
  const bad: Array<[string, number[]]> = [
    ['empty', []],
    ['reserved tag', [0x00, 1]],
    ['unknown tag', [0x40]],
    ['short number', [0x10, 1, 2]],
    ['long number', [0x10, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['NaN bytes', [0x10, 0xff, 0xf8, 0, 0, 0, 0, 0, 0]],
    ['-0 bytes', [0x10, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['invalid UTF-8', [0x20, 0xff]],
    ['encoded surrogate', [0x20, 0xed, 0xa0, 0x80]],
    ['empty tuple', [0x30]],
    ['unterminated tuple string', [0x30, 0x20, 0x61]],
    ['bad escape', [0x30, 0x20, 0x01, 0x03, 0x00]],
    ['truncated tuple number', [0x30, 0x10, 0x80]],
    ['unknown element tag', [0x30, 0x30]],
  ];
  for (const [name, bytes] of bad) {
    it(`rejects ${name} with DECODE`, () => {
      expect(codeOf(() => decodeKey(Uint8Array.from(bytes)))).toBe('DECODE');
    });
  }

  it('throws nothing but DECODE on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let k: Key;
        try {
          k = decodeKey(bytes);
        } catch (err) {
          expect((err as StoreError).code).toBe('DECODE');
          return;
        }
        // Whatever decodes is canonical: it re-encodes to the same bytes.
        expect(encodeKey(k)).toStrictEqual(Uint8Array.from(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes from a Buffer view', () => {
    const enc = encodeKey(['a\u0000', 3]);
    const buf = Buffer.concat([Buffer.from([9, 9]), enc]).subarray(2);
    expect(decodeKey(buf)).toStrictEqual(['a\u0000', 3]);
  });
});

describe('rangeToBytes', () => {
  const pick = (keys: Key[], r: Range): Key[] => {
    const br = rangeToBytes(r);
    return keys.filter((k) => inByteRange(encodeKey(k), br));
  };

  it('tuple prefix matches itself and its extensions only', () => {
    const keys: Key[] = [
      ['run', 'a'],
      ['run', 'a', 3],
      ['run', 'a', 'x', 1],
      ['run', 'ab'],
      ['run', 'a\u0000'],
      ['run'],
      'run',
      'runa',
      ['run', 'b'],
      ['ruN', 'a'],
    ];
    expect(pick(keys, { prefix: ['run', 'a'] })).toStrictEqual([
      ['run', 'a'],
      ['run', 'a', 3],
      ['run', 'a', 'x', 1],
    ]);
    expect(pick(keys, { prefix: ['run'] })).toHaveLength(7);
  });

  it('string prefix matches scalar strings only', () => {
    const keys: Key[] = ['ab', 'abc', 'ab\u0000', 'a', 'aa', 'b', ['ab'], ['abc'], 12];
    expect(pick(keys, { prefix: 'ab' })).toStrictEqual(['ab', 'abc', 'ab\u0000']);
    expect(pick(keys, { prefix: '' })).toStrictEqual(['ab', 'abc', 'ab\u0000', 'a', 'aa', 'b']);
  });

  it('number prefix matches just that number', () => {
    expect(pick([3, 3.5, 4, [3], '3', -0, 0], { prefix: 3 })).toStrictEqual([3]);
    expect(pick([3, -0, 0], { prefix: -0 })).toStrictEqual([-0, 0]);
  });

  it('agrees with the reference semantics on random ranges', () => {
    const boundArb = fc.option(keyArb, { nil: undefined });
    const rangeArb = fc.record({ prefix: boundArb, gt: boundArb, gte: boundArb, lt: boundArb, lte: boundArb });
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 20 }), rangeArb, (keys, r) => {
        const range: Range = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
        const br = rangeToBytes(range);
        for (const k of keys) expect(inByteRange(encodeKey(k), br)).toBe(refInRange(k, range));
        const lower = br.gt ?? br.gte;
        const upper = br.lt ?? br.lte;
        expect(lower && upper).toBeTruthy();
        if (keys.some((k) => refInRange(k, range))) expect(isEmptyByteRange(br)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('prefix with bounds: the tightest bound wins', () => {
    const keys: Key[] = [
      ['t', 1],
      ['t', 2],
      ['t', 3],
      ['t', 4],
      ['u', 1],
    ];
    expect(pick(keys, { prefix: ['t'], gt: ['t', 1], lte: ['t', 3] })).toStrictEqual([
      ['t', 2],
      ['t', 3],
    ]);
    expect(pick(keys, { prefix: ['t'], gte: ['a'], lt: ['z'] })).toHaveLength(4);
    expect(pick(keys, { gte: ['t', 2], gt: ['t', 2], lt: ['t', 4], lte: ['t', 4] })).toStrictEqual([['t', 3]]);
  });

  it('never includes reserved keys', () => {
    for (const r of [undefined, {}, { reverse: true }, { lt: 'a' }, { gte: ['z'] }] as Array<Range | undefined>) {
      const br = rangeToBytes(r);
      for (const reserved of [[0x00], [0x0f, 0xff], [0x40], [0xff, 0x00]]) {
        expect(inByteRange(Uint8Array.from(reserved), br)).toBe(false);
      }
    }
    expect(inByteRange(encodeKey(['z', 1]), rangeToBytes(undefined))).toBe(true);
    expect(inByteRange(encodeKey(-Number.MAX_VALUE), rangeToBytes({}))).toBe(true);
  });

  it('keeps empty ranges empty', () => {
    for (const r of [
      { gte: 5, lt: 3 },
      { gt: 3, lt: 3 },
      { gt: 3, lte: 3 },
      { prefix: 'a', gte: 'b' },
      { prefix: ['x'], lt: ['x'] },
      { prefix: 1, gt: 1 },
    ] as Range[]) {
      const br = rangeToBytes(r);
      expect(isEmptyByteRange(br), JSON.stringify(r)).toBe(true);
      expect(pick([1, 3, 5, 'a', 'ab', 'b', ['x'], ['x', 1]], r)).toStrictEqual([]);
    }
    expect(isEmptyByteRange(rangeToBytes({ gte: 3, lte: 3 }))).toBe(false);
  });

  it('passes reverse and limit through and validates them', () => {
    expect(rangeToBytes({ reverse: true, limit: 0 })).toMatchObject({ reverse: true, limit: 0 });
    expect(rangeToBytes({ limit: 10 }).limit).toBe(10);
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null]) {
      expect(codeOf(() => rangeToBytes({ limit } as unknown as Range))).toBe('INVALID_VALUE');
    }
    expect(codeOf(() => rangeToBytes({ reverse: 'yes' } as unknown as Range))).toBe('INVALID_VALUE');
  });

  it('rejects invalid bounds and prefixes with INVALID_KEY', () => {
    for (const r of [{ prefix: [] }, { gt: Number.NaN }, { lt: '\uD800' }, { gte: [[1]] }, { lte: true }, { prefix: null }]) {
      expect(codeOf(() => rangeToBytes(r as unknown as Range))).toBe('INVALID_KEY');
    }
  });
});

describe('byte helpers', () => {
  it('compareBytes is unsigned, shorter prefix first', () => {
    expect(compareBytes(Uint8Array.of(0x7f), Uint8Array.of(0x80))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(), Uint8Array.of())).toBe(0);
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 0xff))).toBeGreaterThan(0);
  });

  it('prefixUpperBound', () => {
    expect(prefixUpperBound(Uint8Array.of())).toBeUndefined();
    expect(prefixUpperBound(Uint8Array.of(0xff, 0xff))).toBeUndefined();
    expect(prefixUpperBound(Uint8Array.of(1, 0xff))).toStrictEqual(Uint8Array.of(2));
    expect(prefixUpperBound(Uint8Array.of(1, 2))).toStrictEqual(Uint8Array.of(1, 3));
    const input = Buffer.from([5, 6]);
    const out = prefixUpperBound(input);
    expect(Array.from(input)).toStrictEqual([5, 6]); // input untouched
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 4 }), (p, rest) => {
        const ub = prefixUpperBound(p);
        const withPrefix = Uint8Array.from([...p, ...rest]);
        if (ub) expect(compareBytes(withPrefix, ub)).toBeLessThan(0);
      }),
    );
  });
});
