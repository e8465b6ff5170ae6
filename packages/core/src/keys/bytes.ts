/** Byte-string helpers shared by core and adapters. */

/** Unsigned lexicographic comparison; a proper prefix sorts first. Returns <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  // Keys are short (≤ 1 KiB) and usually differ early: a plain loop beats a native call here.
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when both byte strings hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * The smallest byte string greater than every string starting with `prefix`, or undefined when there
 * is none (the prefix is empty or all 0xFF).
 */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  // Copy into a plain Uint8Array: `Buffer#slice` would return a view and we would mutate the input.
  const out = new Uint8Array(end);
  for (let i = 0; i < end; i++) out[i] = prefix[i] as number;
  out[end - 1] = (out[end - 1] as number) + 1;
  return out;
}
