/** Order-preserving float64 ↔ 8 bytes, shared by key encoding and decoding. */

const f64 = new Float64Array(1);
// Big-endian byte view of `f64`, independent of the host's endianness.
const view = new DataView(f64.buffer);

/**
 * Writes `n` (finite, not -0: the caller normalizes) as 8 bytes whose unsigned order is numeric order:
 * positive numbers get their sign bit set, negative numbers have every bit inverted.
 */
export function writeOrderedFloat(out: Uint8Array, pos: number, n: number): void {
  view.setFloat64(0, n, false);
  const negative = (view.getUint8(0) & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const b = view.getUint8(i);
    out[pos + i] = negative ? ~b & 0xff : i === 0 ? b | 0x80 : b;
  }
}

/** Reads 8 bytes written by `writeOrderedFloat`; the caller checks bounds. */
export function readOrderedFloat(bytes: Uint8Array, pos: number): number {
  const negative = ((bytes[pos] as number) & 0x80) === 0;
  for (let i = 0; i < 8; i++) {
    const b = bytes[pos + i] as number;
    view.setUint8(i, negative ? ~b & 0xff : i === 0 ? b & 0x7f : b);
  }
  return view.getFloat64(0, false);
}
