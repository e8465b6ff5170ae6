import type { ByteRange, Bytes } from '@agentstore/core/spi';
import { compareKeys } from '@agentstore/core/spi';

/** A key bound: the key and whether it is itself included. */
interface Bound {
  readonly key: Buffer;
  readonly inclusive: boolean;
}

/** The smallest key lmdb can hold (keys are never empty). */
const SMALLEST_KEY = Buffer.from([0]);

/** The options lmdb's `getRange` takes, for binary keys. */
export interface LmdbRangeOptions {
  start?: Buffer;
  end?: Buffer;
  reverse?: boolean;
  limit?: number;
  exclusiveStart?: boolean;
  inclusiveEnd?: boolean;
}

/**
 * Bytes as lmdb's range bound: lmdb copies a bound with `Uint8Array#set`, so any Uint8Array will do;
 * wrapping each one in a Buffer cost more than a one-row range read.
 */
function asBuffer(b: Bytes): Buffer {
  return b as Buffer;
}

/** The tighter of two lower (`dir` 1) or upper (`dir` -1) bounds. */
function tighter(a: Bound | undefined, b: Bound | undefined, dir: 1 | -1): Bound | undefined {
  if (!a || !b) return a ?? b;
  const c = compareKeys(a.key, b.key) * dir;
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

function bounds(range: ByteRange): { lower: Bound | undefined; upper: Bound | undefined } {
  const lower = tighter(
    range.gte ? { key: asBuffer(range.gte), inclusive: true } : undefined,
    range.gt ? { key: asBuffer(range.gt), inclusive: false } : undefined,
    1,
  );
  const upper = tighter(
    range.lte ? { key: asBuffer(range.lte), inclusive: true } : undefined,
    range.lt ? { key: asBuffer(range.lt), inclusive: false } : undefined,
    -1,
  );
  return { lower, upper };
}

/** True when bounds `lower`..`upper` (or `limit` 0) cannot hold any key. */
function isEmpty(lower: Bound | undefined, upper: Bound | undefined, limit: number | undefined): boolean {
  if (limit === 0) return true;
  if (!lower || !upper) return false;
  const c = compareKeys(lower.key, upper.key);
  return c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive));
}

/**
 * Translates a byte range to lmdb's getRange options (in reverse, `start` is the upper bound), or
 * undefined when the range cannot hold any key. The bounds are worked out once: this is on every read.
 */
export function lmdbRangeOf(range: ByteRange, limit = range.limit): LmdbRangeOptions | undefined {
  const { lower, upper } = bounds(range);
  if (isEmpty(lower, upper, range.limit)) return undefined;
  return optionsOf(lower, upper, range.reverse === true, limit);
}

function optionsOf(lower: Bound | undefined, upper: Bound | undefined, reverse: boolean, limit: number | undefined): LmdbRangeOptions {
  const [first, last] = reverse ? [upper, lower] : [lower, upper];
  const out: LmdbRangeOptions = {};
  if (first) {
    out.start = first.key;
    if (!first.inclusive) out.exclusiveStart = true;
  }
  if (last) {
    out.end = last.key;
    if (last.inclusive) out.inclusiveEnd = true;
  } else if (reverse) {
    // lmdb's default end in reverse is the key [0] excluded; every key is >= [0], so include it.
    out.end = SMALLEST_KEY;
    out.inclusiveEnd = true;
  }
  if (reverse) out.reverse = true;
  if (limit !== undefined) out.limit = limit;
  return out;
}
