/** Key-range helpers every adapter needs: bounds of a `ByteRange`, the bytewise order, map keys for bytes. */

import type { ByteRange, Bytes } from './backend.js';

/** One end of a key range. */
export interface Bound {
  readonly key: Bytes;
  readonly inclusive: boolean;
}

/** A range reduced to at most one lower and one upper bound. */
export interface Bounds {
  readonly lower?: Bound;
  readonly upper?: Bound;
}

/** Bytewise key order (unsigned, a prefix before its extensions): SQLite's BLOB and PostgreSQL's bytea order. */
export function compareKeys(a: Bytes, b: Bytes): number {
  return Buffer.compare(a, b);
}

/** The bounds of `range`; when both `gt` and `gte` (or `lt` and `lte`) are given, the tighter wins. */
export function toBounds(range: ByteRange): Bounds {
  const lower = tighter(range.gt, range.gte, 1);
  const upper = tighter(range.lt, range.lte, -1);
  // No spread of optional parts: this runs on every range read.
  if (lower === undefined) return upper === undefined ? {} : { upper };
  return upper === undefined ? { lower } : { lower, upper };
}

// `direction` 1 for a lower bound (larger is tighter), -1 for an upper bound.
function tighter(exclusive: Bytes | undefined, inclusive: Bytes | undefined, direction: 1 | -1): Bound | undefined {
  if (exclusive === undefined) return inclusive === undefined ? undefined : { key: inclusive, inclusive: true };
  if (inclusive === undefined) return { key: exclusive, inclusive: false };
  // On a tie the exclusive bound is the tighter one.
  return compareKeys(inclusive, exclusive) * direction > 0 ? { key: inclusive, inclusive: true } : { key: exclusive, inclusive: false };
}

/** True when `key` lies within `bounds`. */
export function inBounds(key: Bytes, bounds: Bounds): boolean {
  const { lower, upper } = bounds;
  if (lower) {
    const c = compareKeys(key, lower.key);
    if (c < 0 || (c === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const c = compareKeys(key, upper.key);
    if (c > 0 || (c === 0 && !upper.inclusive)) return false;
  }
  return true;
}

/** A map key for bytes: latin1 maps each byte to one UTF-16 unit, so it is exact and cheap. */
export function byteId(key: Bytes): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** An identity for a range read (bounds and direction), for caching it within a commit group. */
export function boundsId(bounds: Bounds, reverse: boolean): string {
  const end = (b: Bound | undefined) => (b === undefined ? '-' : `${b.inclusive ? '[' : '('}${byteId(b.key)}`);
  return `${reverse ? 'd' : 'a'}${end(bounds.lower)}\u0100${end(bounds.upper)}`;
}
