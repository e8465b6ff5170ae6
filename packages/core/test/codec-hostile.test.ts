import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, defaultCodec, jsonCodec } from '../src/codec/index.js';
import { StoreError } from '../src/errors.js';

// Tag bytes, spelled out here on purpose: these tests pin the stored format.
const V = 1;
const STRING = 0x07;
const STRING16 = 0x08;
const BIGINT = 0x09;
const REGEXP = 0x0c;
const ARRAY = 0x10;
const OBJECT = 0x11;
const MAP = 0x12;
const SET = 0x13;
const ARRAYBUFFER = 0x14;
const VIEW = 0x15;
const FIXSTR = 0x40;
const ONE = 0x81;

/** LEB128 of `n`. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function decodeCode(bytes: Uint8Array | number[], codec = defaultCodec): string | undefined {
  try {
    codec.decode(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    return err.code;
  }
  return undefined;
}

function nested(open: number[], levels: number, leaf: number[]): Uint8Array {
  const out = new Uint8Array(1 + open.length * levels + leaf.length);
  out[0] = V;
  for (let i = 0; i < levels; i++) out.set(open, 1 + i * open.length);
  out.set(leaf, 1 + open.length * levels);
  return out;
}

describe('defaultCodec decode of hostile bytes', () => {
  it('throws nothing but StoreError DECODE on random bytes', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Behind a valid version byte, so the value parser itself gets exercised.
      fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([V, ...b])),
      // Mutations of valid payloads reach deeper into the parser than pure noise.
      fc
        .tuple(
          fc.constantFrom<unknown>(
            { a: [1, 'x', 2n] },
            new Map([[1, new Set(['é'])]]),
            /re/g,
            new Date(3),
            Float64Array.of(1, 2),
            '\uD800x',
          ),
          fc.nat(),
          fc.nat(255),
        )
        .map(([v, at, b]) => {
          const bytes = defaultCodec.encode(v);
          bytes[at % bytes.length] = b;
          return bytes;
        }),
    );
    fc.assert(
      fc.property(payload, (bytes) => {
        try {
          defaultCodec.decode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(StoreError);
          expect((err as StoreError).code).toBe('DECODE');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects 100,000 levels of nesting without a stack overflow', () => {
    for (const open of [
      [ARRAY, 1],
      [SET, 1],
      [OBJECT, 1, FIXSTR + 1, 0x61],
      [MAP, 1, ONE],
    ]) {
      const bytes = nested(open, 100_000, [ONE]);
      expect(decodeCode(bytes)).toBe('DECODE');
    }
  });

  it('accepts exactly maxDepth levels and rejects one more', () => {
    expect(defaultCodec.decode(nested([ARRAY, 1], DECODE_LIMITS.maxDepth, [ONE]))).toBeDefined();
    expect(decodeCode(nested([ARRAY, 1], DECODE_LIMITS.maxDepth + 1, [ONE]))).toBe('DECODE');
  });

  it('rejects declared lengths beyond the payload before allocating', () => {
    const twoGiB = varint(2 ** 31);
    const cases: number[][] = [
      [V, STRING, ...twoGiB],
      [V, STRING16, ...twoGiB],
      [V, BIGINT, ...twoGiB],
      [V, ARRAYBUFFER, ...twoGiB],
      [V, VIEW, 1, ...twoGiB],
      [V, VIEW, 8, ...varint(2 ** 32 - 8)],
      [V, ARRAY, ...twoGiB, ONE],
      [V, OBJECT, ...twoGiB],
      [V, MAP, ...twoGiB],
      [V, SET, ...twoGiB],
      [V, STRING, ...varint(10), 0x61],
    ];
    const started = performance.now();
    for (const bytes of cases) expect(decodeCode(bytes), JSON.stringify(bytes)).toBe('DECODE');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('rejects over-long length prefixes', () => {
    expect(decodeCode([V, STRING, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toBe('DECODE');
    expect(decodeCode([V, STRING, 0xff, 0xff, 0xff, 0xff, 0x7f])).toBe('DECODE'); // > 2^32 - 1
    expect(decodeCode([V, STRING, 0x80])).toBe('DECODE'); // truncated
  });

  it('rejects unknown versions, unknown tags, truncation and trailing bytes', () => {
    expect(decodeCode([])).toBe('DECODE');
    expect(decodeCode([0, ONE])).toBe('DECODE');
    expect(decodeCode([2, ONE])).toBe('DECODE');
    expect(decodeCode([0xff, ONE])).toBe('DECODE');
    for (const tag of [0x0d, 0x0e, 0x0f, 0x16, 0x20, 0x3f, 0x60, 0x7f]) expect(decodeCode([V, tag]), `tag ${tag}`).toBe('DECODE');
    expect(decodeCode([V])).toBe('DECODE');
    expect(decodeCode([V, ONE, ONE])).toBe('DECODE');
    expect(decodeCode([V, ARRAY, 2, ONE])).toBe('DECODE');
    expect(decodeCode([V, 0x06, 0, 0, 0])).toBe('DECODE'); // truncated float64
  });

  it('rejects malformed bodies', () => {
    expect(decodeCode([V, STRING, 1, 0xff])).toBe('DECODE'); // invalid UTF-8
    expect(decodeCode([V, FIXSTR + 3, 0xed, 0xa0, 0x80])).toBe('DECODE'); // encoded surrogate
    expect(decodeCode([V, FIXSTR + 2, 0xc3])).toBe('DECODE'); // truncated
    expect(decodeCode([V, VIEW, 12, 0])).toBe('DECODE'); // unknown view kind
    expect(decodeCode([V, VIEW, 8, 3, 1, 2, 3])).toBe('DECODE'); // not whole Float64 elements
    expect(decodeCode([V, OBJECT, 1, ONE, ONE])).toBe('DECODE'); // key is not a string
    expect(decodeCode([V, REGEXP, FIXSTR + 1, 0x28, FIXSTR])).toBe('DECODE'); // invalid pattern "("
    expect(decodeCode([V, REGEXP, FIXSTR + 1, 0x61, FIXSTR + 2, 0x67, 0x67])).toBe('DECODE'); // flags "gg"
    expect(decodeCode([V, REGEXP, FIXSTR + 1, 0x61, FIXSTR + 1, 0x78])).toBe('DECODE'); // flag "x"
  });

  it('builds objects without touching prototypes', () => {
    // {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}, hand-built.
    const key = (s: string): number[] => [FIXSTR + s.length, ...Buffer.from(s)];
    const bytes = [
      V,
      OBJECT,
      2,
      ...key('__proto__'),
      OBJECT,
      1,
      ...key('polluted'),
      ONE,
      ...key('constructor'),
      OBJECT,
      1,
      ...key('prototype'),
      OBJECT,
      1,
      ...key('polluted'),
      ONE,
    ];
    const decoded = defaultCodec.decode(Uint8Array.from(bytes)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(decoded.constructor).toStrictEqual({ prototype: { polluted: 1 } });
  });
});

describe('jsonCodec decode of hostile bytes', () => {
  it('rejects 100,000 levels of nesting before JSON.parse sees them', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(decodeCode(Buffer.from(text), jsonCodec)).toBe('DECODE');
    const objects = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(decodeCode(Buffer.from(objects), jsonCodec)).toBe('DECODE');
  });

  it('does not count brackets inside strings', () => {
    const text = JSON.stringify({ s: '[[[[{{{{\\"]]', t: ['\\', '"['] });
    expect(jsonCodec.decode(Buffer.from(text))).toStrictEqual(JSON.parse(text));
    const deepString = JSON.stringify('['.repeat(5000));
    expect(jsonCodec.decode(Buffer.from(deepString))).toBe('['.repeat(5000));
  });

  it('throws nothing but StoreError DECODE on random bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.string().map((s) => Buffer.from(s)),
        ),
        (bytes) => {
          try {
            jsonCodec.decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(StoreError);
            expect((err as StoreError).code).toBe('DECODE');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
