/**
 * Keys, values and checkpoint payloads shared by every contender, so both sides of a comparison
 * handle the same logical keys and the same value bytes.
 */

/** Bytes of a kv value (the figure: 256-byte values). */
export const VALUE_BYTES = 256;
/** Bytes of a checkpoint's data. */
export const CHECKPOINT_BYTES = 1024;
/** Distinct counter keys the counter benchmarks cycle through. */
export const COUNTER_KEYS = 1000;

/** A small deterministic PRNG (mulberry32), so every run reads the same key sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** The value every kv write stores. */
export const VALUE = randomBytes(VALUE_BYTES, 1);
/** The data every checkpoint save stores. */
export const CHECKPOINT_DATA = randomBytes(CHECKPOINT_BYTES, 2);

/** Checkpoint metadata of step `step` (JSON, like LangGraph's `{ source, step }`). */
export function checkpointMetadata(step: number): { source: string; step: number } {
  return { source: 'loop', step };
}

/**
 * Key `i` as a string (`k000000042`) and as the UTF-8 bytes a raw driver is handed. Both are memoized,
 * so neither side pays for building keys inside a timed operation.
 */
export class KeySpace {
  readonly #prefix: string;
  readonly #strings: string[] = [];
  readonly #bytes: Buffer[] = [];

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  string(i: number): string {
    let s = this.#strings[i];
    if (s === undefined) {
      s = this.#prefix + String(i).padStart(9, '0');
      this.#strings[i] = s;
    }
    return s;
  }

  bytes(i: number): Buffer {
    let b = this.#bytes[i];
    if (b === undefined) {
      b = Buffer.from(this.string(i), 'utf8');
      this.#bytes[i] = b;
    }
    return b;
  }

  /** Memoizes keys `[0, n)` ahead of the timed loops. */
  warm(n: number): void {
    for (let i = 0; i < n; i++) this.bytes(i);
  }
}

/** Keys of the kv benchmarks (values) and of the counter benchmarks. */
export const KV_KEYS = new KeySpace('k');
export const COUNTER_KEYSPACE = new KeySpace('c');

/** Bytes of an artifact blob (issue 8's figure: 1 MiB writes). */
export const ARTIFACT_BYTES = 1024 * 1024;
/** The blob every artifact write stores. */
export const ARTIFACT = randomBytes(ARTIFACT_BYTES, 3);
/** Blobs the budgeted artifact space holds: its budget is exactly this many blobs, so each new put evicts one. */
export const BUDGET_BLOBS = 4;
/** Blobs the artifact `get` benchmark reads, cycling. */
export const GET_BLOBS = 16;
/**
 * Keys of the artifact benchmarks: `p…` plain puts (no budget), `e…` puts into the budgeted space,
 * `g…` the blobs `get` reads.
 */
export const ARTIFACT_PUT_KEYS = new KeySpace('p');
export const ARTIFACT_EVICT_KEYS = new KeySpace('e');
export const ARTIFACT_GET_KEYS = new KeySpace('g');
