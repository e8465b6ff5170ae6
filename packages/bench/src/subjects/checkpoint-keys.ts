/**
 * Key layout of the hand-written LMDB and LevelDB checkpoint baselines: one space for info (JSON)
 * and one for data, both keyed `tag trace 0x00 seq(u32 BE)` so a trace's checkpoints sort by seq.
 */

/** Key of checkpoint `seq` of `trace` in the space `tag`. */
export function checkpointKey(tag: string, trace: string, seq: number): Buffer {
  const t = Buffer.from(`${tag}${trace}\0`, 'utf8');
  const out = Buffer.allocUnsafe(t.length + 4);
  t.copy(out, 0);
  out.writeUInt32BE(seq, t.length);
  return out;
}

/** Lowest and just-past-highest key of `trace` in the space `tag`. */
export function traceBounds(tag: string, trace: string): { lo: Buffer; hi: Buffer } {
  return { lo: Buffer.from(`${tag}${trace}\0`, 'utf8'), hi: Buffer.from(`${tag}${trace}\u0001`, 'utf8') };
}

/** The seq a checkpoint key ends with. */
export function seqOf(key: Uint8Array): number {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).readUInt32BE(key.byteLength - 4);
}

/** The info JSON a baseline stores per checkpoint (what `list` returns, parsed). */
export function infoJson(trace: string, seq: number, parentId: string | null, metadata: unknown, size: number): string {
  return JSON.stringify({ id: `${Date.now().toString(36)}-${seq}`, trace, seq, parentId, createdAt: Date.now(), metadata, size });
}
