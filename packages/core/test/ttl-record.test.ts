/**
 * The TTL record's liveness test: `liveAt` compares the expiry's bits with the clock's, and must
 * answer exactly as the float comparison `now < expiry` does, at the boundary and off the fast path.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../src/errors.js';
import { expiryOf, isExpired, liveAt, liveRecord, wrapTtl } from '../src/kv/ttl-record.js';

const VALUE = Uint8Array.of(0x00, 7, 8, 9);

/** The double whose bits are `hi`:`lo` (high and low 32-bit words). */
function fromBits(hi: number, lo: number): number {
  const words = new Uint32Array(2);
  const le = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  words[le ? 1 : 0] = hi;
  words[le ? 0 : 1] = lo;
  return new Float64Array(words.buffer)[0] as number;
}

/** A TTL record whose expiry field holds exactly `expiresAt`. */
const record = (expiresAt: number): Uint8Array => wrapTtl(VALUE, expiresAt, 1000).slice();

describe('liveAt', () => {
  const now = 1_765_000_000_123;
  // Around `now`, far from it, across a high-word boundary of the double's bits (2^32 ulps apart),
  // across the low word's top bit (an unsigned compare), and the values off the fast path: zero,
  // negative, infinite, NaN.
  const hiOfNow = 0x4279_af23; // the high word of `now`
  const times = [
    now,
    now - 1,
    now + 1,
    now - 0.5,
    now + 0.25,
    now + 3_600_000,
    now - 3_600_000,
    2 ** 41,
    fromBits(hiOfNow, 0x7fff_ffff),
    fromBits(hiOfNow, 0x8000_0000),
    fromBits(hiOfNow, 0xffff_ffff),
    fromBits(hiOfNow + 1, 0),
    2 ** 41 - 2 ** -11,
    2 ** 41 + 2 ** -11,
    1,
    0,
    -0,
    -1,
    -now,
    Number.MAX_VALUE,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ];

  it('answers as now < expiry for every pair of clock and expiry', () => {
    for (const expiresAt of times) {
      const bytes = record(expiresAt);
      expect(expiryOf(bytes)).toBe(expiresAt);
      for (const at of times) expect([expiresAt, at, liveAt(bytes, at)]).toEqual([expiresAt, at, at < expiresAt]);
    }
  });

  it('turns a record invisible at its expiry instant, not a millisecond later', () => {
    const bytes = record(now);
    expect(liveAt(bytes, now - 1)).toBe(true);
    expect(liveAt(bytes, now)).toBe(false);
    expect(liveRecord(bytes, now - 1)).toEqual(VALUE);
    expect(liveRecord(bytes, now)).toBeUndefined();
    expect(isExpired(bytes, now - 1)).toBe(false);
    expect(isExpired(bytes, now)).toBe(true);
  });

  it('reads a record that is a view into a larger buffer (pooled or a Buffer)', () => {
    const inner = record(now);
    const big = new Uint8Array(inner.length + 13);
    big.set(inner, 5);
    expect(liveAt(big.subarray(5, 5 + inner.length), now - 1)).toBe(true);
    expect(liveAt(Buffer.from(big.buffer, 5, inner.length), now)).toBe(false);
  });

  it('refuses a record too short to hold an expiry with DECODE', () => {
    for (const length of [0, 1, 9, 17]) {
      const err = (() => {
        try {
          liveAt(new Uint8Array(length).fill(0x03), now);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('DECODE');
    }
  });
});
