/** Deterministic blob contents for the artifacts crash tests: any readable blob can be checked whole. */
import { createHash } from 'node:crypto';

/** The bytes of blob `key` of `size` bytes (a pattern seeded by the key's hash). */
export function blobData(key: string, size: number): Uint8Array {
  const seed = createHash('sha256').update(key).digest().readUInt32LE(0);
  const out = new Uint8Array(size);
  let s = seed | 1;
  for (let i = 0; i < size; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
    if (i + 1 < size) out[i + 1] = (s >>> 8) & 0xff;
    if (i + 2 < size) out[i + 2] = (s >>> 16) & 0xff;
    if (i + 3 < size) out[i + 3] = (s >>> 24) & 0xff;
  }
  return out;
}

/** True when `bytes` are exactly `blobData(key, bytes.length)`. */
export function isWhole(key: string, bytes: Uint8Array): boolean {
  return Buffer.from(bytes).equals(Buffer.from(blobData(key, bytes.byteLength)));
}

/** Domain policy shared by parent and children. */
export const DOMAIN = 'blobs';

/** Where the two-stage publisher stages and links the file of `key` (paths relative to dataDir). */
export const publishPaths = (key: string): { staging: string; final: string } => ({
  staging: `kv-cache/tmp/${key}.part`,
  final: `kv-cache/${key}.bin`,
});
