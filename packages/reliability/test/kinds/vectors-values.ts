/** The vectors the vectors reliability tests write, derived from where they were written (both sides agree). */

/** Dimensions of every test vector. */
export const VECTOR_DIMS = 16;

/** A deterministic vector for batch item (w, r, k, j): xorshift seeded from the four numbers. */
export function crashVector(w: number, r: number, k: number, j: number): number[] {
  let x =
    (Math.imul(w + 1, 73_856_093) ^ Math.imul(r + 1, 19_349_663) ^ Math.imul(k + 1, 83_492_791) ^ Math.imul(j + 1, 2_654_435_761)) >>> 0 ||
    1;
  const out: number[] = [];
  for (let i = 0; i < VECTOR_DIMS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(((x >>> 0) / 0x1_0000_0000) * 2 - 1);
  }
  return out;
}
