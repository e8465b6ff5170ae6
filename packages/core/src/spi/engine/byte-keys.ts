import { compareBytes } from '../../keys/bytes.js';
import type { ByteRange, Bytes } from '../backend.js';

/** A map key for bytes: latin1 maps each byte to one UTF-16 unit, so it is exact and cheap. */
export function keyId(key: Bytes): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** Whether `key` lies within every bound of `range` (its limit and order aside). */
export function inByteRange(key: Bytes, range: ByteRange): boolean {
  if (range.gt !== undefined && compareBytes(key, range.gt) <= 0) return false;
  if (range.gte !== undefined && compareBytes(key, range.gte) < 0) return false;
  if (range.lt !== undefined && compareBytes(key, range.lt) >= 0) return false;
  if (range.lte !== undefined && compareBytes(key, range.lte) > 0) return false;
  return true;
}

/** An identity for a range's bounds and order (not its limit): the cache key of a fetched range. */
export function rangeId(range: ByteRange): string {
  const end = (b: Bytes | undefined) => (b === undefined ? '-' : `:${keyId(b)}`);
  return `${end(range.gt)}${end(range.gte)}${end(range.lt)}${end(range.lte)}${range.reverse === true ? 'r' : 'f'}`;
}
