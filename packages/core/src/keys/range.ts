import { allocBytes } from '../codec/byte-pool.js';
import { StoreError } from '../errors.js';
import type { ByteRange } from '../spi/backend.js';
import type { Range } from '../types.js';
import { compareBytes } from './bytes.js';
import { encodeKeyPooled } from './encode.js';
import { TAG_NUMBER, USER_KEY_END, USER_KEY_MIN } from './layout.js';

// Fresh arrays in every result: it goes to adapters and must not share mutable constants.
/** The lowest possible user key: every user key is ≥ this. */
const userMin = (): Uint8Array => Uint8Array.of(USER_KEY_MIN);
/** Above every user key: every user key is < this. */
const userEnd = (): Uint8Array => Uint8Array.of(USER_KEY_END);
// The same bytes for comparing only, never handed out (`handedOut` copies them): a range with a prefix
// or bounds, the common case, then allocates no clamp it does not return.
const USER_MIN = userMin();
const USER_END = userEnd();

/** `bytes`, or a fresh copy when it is one of the shared clamps. */
function handedOut(bytes: Uint8Array): Uint8Array {
  return bytes === USER_MIN ? userMin() : bytes === USER_END ? userEnd() : bytes;
}

/** One end of a range: its bytes and whether the bytes themselves are included. */
interface Bound {
  bytes: Uint8Array;
  inclusive: boolean;
}

/** The tighter of two lower bounds (on equal bytes, the exclusive one). */
function maxLower(a: Bound, b: Bound): Bound {
  const c = compareBytes(a.bytes, b.bytes);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The tighter of two upper bounds (on equal bytes, the exclusive one). */
function minUpper(a: Bound, b: Bound): Bound {
  const c = compareBytes(a.bytes, b.bytes);
  if (c !== 0) return c < 0 ? a : b;
  return a.inclusive ? b : a;
}

/**
 * `prefixUpperBound` into pooled memory. The bounds of a range go to a backend read only, so they are
 * made like the keys of point reads (`encodeKeyPooled`): a small array of its own lives on V8's heap and
 * is moved off it when a native driver binds it (about 2 µs of a SQLite one-row range per bound).
 */
function pooledUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = allocBytes(end);
  for (let i = 0; i < end; i++) out[i] = prefix[i] as number;
  out[end - 1] = (out[end - 1] as number) + 1;
  return out;
}

/** The bounds a `prefix` stands for (see `Range.prefix`). */
function prefixBounds(prefix: unknown): [Bound, Bound] {
  const bytes = encodeKeyPooled(prefix);
  // A number prefix matches only that number.
  if (bytes[0] === TAG_NUMBER)
    return [
      { bytes, inclusive: true },
      { bytes, inclusive: true },
    ];
  // A tuple's encoding ends at an element boundary, so every key starting with these bytes is the
  // tuple or one of its extensions; a scalar string's bytes are raw UTF-8, so a byte prefix is a
  // string prefix. Either way the matches are exactly the keys with this byte prefix. The upper bound
  // always exists: the first byte is a tag below 0xFF.
  return [
    { bytes, inclusive: true },
    { bytes: pooledUpperBound(bytes) ?? USER_END, inclusive: false },
  ];
}

function bound(range: Range, name: 'gt' | 'gte' | 'lt' | 'lte'): Uint8Array | undefined {
  const key = range[name];
  return key === undefined ? undefined : encodeKeyPooled(key);
}

/** True when no byte string can lie within `range`'s bounds (bounds absent count as open). */
export function isEmptyByteRange(range: ByteRange): boolean {
  const lower = range.gt ?? range.gte;
  const upper = range.lt ?? range.lte;
  if (lower === undefined || upper === undefined) return false;
  const c = compareBytes(lower, upper);
  return c > 0 || (c === 0 && (range.gt !== undefined || range.lt !== undefined));
}

/**
 * Converts a user `Range` into byte bounds over encoded keys, always clamped to the user key space
 * (core's reserved keys are never included). `prefix` and the bounds intersect; the result has exactly
 * one lower and one upper bound. Throws `INVALID_KEY` for a bound or prefix that is not a key and
 * `INVALID_VALUE` for a bad `limit` or `reverse`.
 */
export function rangeToBytes(range: Range | undefined): ByteRange {
  if (range === undefined) return { gte: userMin(), lt: userEnd() };
  if (typeof range !== 'object' || range === null) {
    throw new StoreError('INVALID_VALUE', 'range must be an object');
  }
  const { limit, reverse } = range;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new StoreError('INVALID_VALUE', `range.limit must be a non-negative integer, got ${String(limit)}`);
  }
  if (reverse !== undefined && typeof reverse !== 'boolean') {
    throw new StoreError('INVALID_VALUE', 'range.reverse must be a boolean');
  }

  let lower: Bound = { bytes: USER_MIN, inclusive: true };
  let upper: Bound = { bytes: USER_END, inclusive: false };
  if (range.prefix !== undefined) {
    const [lo, hi] = prefixBounds(range.prefix);
    lower = maxLower(lower, lo);
    upper = minUpper(upper, hi);
  }
  const gt = bound(range, 'gt');
  const gte = bound(range, 'gte');
  const lt = bound(range, 'lt');
  const lte = bound(range, 'lte');
  if (gt) lower = maxLower(lower, { bytes: gt, inclusive: false });
  if (gte) lower = maxLower(lower, { bytes: gte, inclusive: true });
  if (lt) upper = minUpper(upper, { bytes: lt, inclusive: false });
  if (lte) upper = minUpper(upper, { bytes: lte, inclusive: true });

  const out: { -readonly [K in keyof ByteRange]: ByteRange[K] } = {};
  const c = compareBytes(lower.bytes, upper.bytes);
  if (c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive))) {
    // Canonical empty range: backends need not reason about inverted bounds (which some engines treat
    // as "swap them" in reverse mode).
    out.gte = userMin();
    out.lt = userMin();
  } else {
    if (lower.inclusive) out.gte = handedOut(lower.bytes);
    else out.gt = handedOut(lower.bytes);
    if (upper.inclusive) out.lte = handedOut(upper.bytes);
    else out.lt = handedOut(upper.bytes);
  }
  if (reverse !== undefined) out.reverse = reverse;
  if (limit !== undefined) out.limit = limit;
  return out;
}
