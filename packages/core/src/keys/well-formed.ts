/** Lone-surrogate detection, shared by key encoding and the value codecs. */

// `String.prototype.isWellFormed` exists from Node 20 but is not in the ES2023 lib typings.
const native = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
// With the `u` flag a surrogate range matches only surrogates that are not part of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `s` has no lone surrogate, i.e. it survives a round trip through UTF-8. */
export function isWellFormed(s: string): boolean {
  return native !== undefined ? native.call(s) : !LONE_SURROGATE.test(s);
}
