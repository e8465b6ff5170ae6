import type { ByteRange, Bytes } from '../spi/backend.js';

/**
 * Keys as latin1 strings: comparing such strings compares their bytes unsigned, shorter prefix first,
 * which is exactly the byte order backends must keep.
 */
export function toLatin1(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The bytes of a latin1 key string, as a fresh Uint8Array. */
export function fromLatin1(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}

/** First index in sorted `keys` whose key is >= `key` (or > `key` when `strict`). */
function lowerBound(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid] as string;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of `key` in sorted `keys`, or the bitwise complement of where it would be inserted. */
export function indexOf(keys: readonly string[], key: string): number {
  const i = lowerBound(keys, key, false);
  return keys[i] === key ? i : ~i;
}

/** The half-open index window [start, end) of sorted `keys` that falls inside `range`. */
export function window(keys: readonly string[], range: ByteRange): [number, number] {
  let start = 0;
  let end = keys.length;
  if (range.gte) start = Math.max(start, lowerBound(keys, toLatin1(range.gte), false));
  if (range.gt) start = Math.max(start, lowerBound(keys, toLatin1(range.gt), true));
  if (range.lt) end = Math.min(end, lowerBound(keys, toLatin1(range.lt), false));
  if (range.lte) end = Math.min(end, lowerBound(keys, toLatin1(range.lte), true));
  return [start, Math.max(start, end)];
}
