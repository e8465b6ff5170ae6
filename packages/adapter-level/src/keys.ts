import type { ByteRange } from '@agentstore/core/spi';
import type { NativeRange } from './native.js';

/**
 * Key layout of a location: `<domain name> 0x00 <key>` for domain data, and keys starting with 0x00
 * for the adapter's own bookkeeping. Domain names match `^[a-z][a-z0-9_]*$`, so they contain no 0x00
 * and never start with it: domain `a` (`a\0…`) cannot see domain `ab` (`ab\0…`), and no domain can
 * see the reserved keys.
 */

/** The key prefix of `domain`'s data. */
export function domainPrefix(domain: string): Buffer {
  return Buffer.concat([Buffer.from(domain, 'latin1'), ZERO]);
}

/** The smallest key above every key starting with `prefix` (prefix ends in 0x00, so bump it). */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  // Only called on prefixes ending in 0x00, so the increment never carries.
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

/** `prefix` followed by `key`, as a fresh Buffer. */
export function withPrefix(prefix: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

/** A domain's byte range turned into native bounds over prefixed keys, always confined to the prefix. */
export function nativeRange(prefix: Uint8Array, range: ByteRange, withLimit = true): NativeRange {
  const out: NativeRange = {};
  if (range.gt !== undefined) out.gt = withPrefix(prefix, range.gt);
  else if (range.gte !== undefined) out.gte = withPrefix(prefix, range.gte);
  else out.gte = prefix;
  if (range.lt !== undefined) out.lt = withPrefix(prefix, range.lt);
  else if (range.lte !== undefined) out.lte = withPrefix(prefix, range.lte);
  else out.lt = prefixEnd(prefix);
  if (range.reverse === true) out.reverse = true;
  if (withLimit && range.limit !== undefined) out.limit = range.limit;
  return out;
}

/** Whether full key `key` lies inside native bounds (the order LevelDB uses: unsigned bytewise). */
export function inRange(key: Uint8Array, range: NativeRange): boolean {
  if (range.gt !== undefined && Buffer.compare(key, range.gt) <= 0) return false;
  if (range.gte !== undefined && Buffer.compare(key, range.gte) < 0) return false;
  if (range.lt !== undefined && Buffer.compare(key, range.lt) >= 0) return false;
  if (range.lte !== undefined && Buffer.compare(key, range.lte) > 0) return false;
  return true;
}

/** A range's identity for caching, ignoring `limit`. */
export function rangeId(range: NativeRange): string {
  const part = (b: Uint8Array | undefined) => (b === undefined ? '-' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
  return `${part(range.gt)}|${part(range.gte)}|${part(range.lt)}|${part(range.lte)}|${range.reverse === true ? 'r' : 'f'}`;
}

const ZERO = Buffer.from([0]);

/** Reserved (non-domain) keys all start with 0x00. */
export const RESERVED_PREFIX = ZERO;
