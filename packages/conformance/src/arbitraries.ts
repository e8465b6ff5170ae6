import type { Key } from '@agentstore/core/spi';
import fc from 'fast-check';

/** Numbers a key may be: integers, fractions, negatives, -0, extremes. */
export const keyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.5, -0.5, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MIN_VALUE, -Number.MIN_VALUE),
);

/** Strings a key may be: empty, NUL, astral, any valid code point. */
export const keyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('', '\0', 'a', 'a\0', 'ab', 'b', '\u007f', '\u0080', 'é', '\uFFFF', '😀', '\u{10FFFF}', 'Z'),
);

/** A scalar key. */
export const keyPart: fc.Arbitrary<string | number> = fc.oneof(keyNumber, keyString);

/** Any valid key: scalars and tuples of 1..3 parts. */
export const anyKey: fc.Arbitrary<Key> = fc.oneof(keyPart, fc.array(keyPart, { minLength: 1, maxLength: 3 }));
