/**
 * Building blocks of core's internal keys (journal streams, versioned keys): an escaped, terminated
 * byte segment that keeps order and can be followed by more bytes without ambiguity, and fixed-width
 * big-endian integers that sort numerically.
 */

/**
 * `bytes` with 00 → 01 01 and 01 → 01 02, then a 00 terminator: a segment never contains a bare 00,
 * so whatever follows it cannot be mistaken for part of it, and segments sort like their inputs
 * (a proper prefix first).
 */
export function escapeSegment(bytes: Uint8Array): Uint8Array {
  let extra = 1;
  for (const b of bytes) if (b <= 0x01) extra++;
  const out = new Uint8Array(bytes.byteLength + extra);
  let at = 0;
  for (const b of bytes) {
    if (b <= 0x01) {
      out[at++] = 0x01;
      out[at++] = b + 1;
    } else {
      out[at++] = b;
    }
  }
  out[at] = 0x00;
  return out;
}

/** Writes a non-negative safe integer as 8 bytes big-endian at `offset` (so byte order is numeric order). */
export function writeUint64(out: Uint8Array, offset: number, n: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, Math.floor(n / 0x1_0000_0000));
  view.setUint32(offset + 4, n >>> 0);
}

/** Reads an integer written by {@link writeUint64}. */
export function readUint64(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

/** `prefix` followed by 8 bytes of `n` big-endian: one key of an ordered per-prefix sequence. */
export function withUint64(prefix: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(prefix.byteLength + 8);
  out.set(prefix);
  writeUint64(out, prefix.byteLength, n);
  return out;
}
