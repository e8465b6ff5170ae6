/**
 * Small byte arrays carved out of shared chunks, for bytes core hands to a backend (encoded values).
 *
 * A `new Uint8Array(n)` above V8's on-heap limit (64 bytes) allocates and later finalizes a backing
 * store of its own, which costs more than encoding a small value; views into a shared chunk do not.
 * Only for bytes that stay inside agentstore: what a user gets back always owns its memory exactly
 * (codecs copy on decode). A view keeps its chunk alive, so chunks are small and large arrays get
 * their own memory, as Node's Buffer pool does.
 */

const CHUNK_BYTES = 16 * 1024;
/** Larger arrays are allocated on their own. */
const MAX_POOLED_BYTES = 2 * 1024;

let chunk = new ArrayBuffer(CHUNK_BYTES);
let used = 0;

/** A zero-based plain Uint8Array of `n` bytes (contents unspecified: callers overwrite all of it). */
export function allocBytes(n: number): Uint8Array {
  if (n > MAX_POOLED_BYTES) return new Uint8Array(n);
  if (used + n > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    used = 0;
  }
  const out = new Uint8Array(chunk, used, n);
  // 8-byte aligned starts keep memcpy in the engines on their fast path.
  used += (n + 7) & ~7;
  return out;
}
