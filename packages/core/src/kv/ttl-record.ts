import { allocBytes } from '../codec/byte-pool.js';
import { StoreError } from '../errors.js';

/**
 * The stored form of a kv record with a time-to-live (SPEC §9.4):
 * `0x03`, expiry (float64 LE, epoch ms, the writer's clock + ttl), ttl (float64 LE, ms, for
 * `refreshOnRead`), then the record it wraps (value, counter or tuple counter, with its own tag).
 * Records written without a TTL keep their old form: a reader pays one tag compare for them.
 */
export const TTL_TAG = 0x03;
/** Bytes before the wrapped record. */
export const TTL_HEADER = 17;

/**
 * Present in a domain once any record with a TTL was written to it (`0x00 'ttl'`, after the kind
 * record): counts must then look at each record, others use the backend's own count.
 */
export const TTL_MARKER_KEY = Uint8Array.of(0x00, 0x74, 0x74, 0x6c);
/** The marker's value. */
export const TTL_MARKER_VALUE = Uint8Array.of(1);

const scratch = new Float64Array(2);
const scratchBytes = new Uint8Array(scratch.buffer);
const HOST_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Wraps an encoded record (pooled memory, for backends only) so it expires at `expiresAt`. */
export function wrapTtl(record: Uint8Array, expiresAt: number, ttlMs: number): Uint8Array {
  const out = allocBytes(TTL_HEADER + record.byteLength);
  out[0] = TTL_TAG;
  scratch[0] = expiresAt;
  scratch[1] = ttlMs;
  for (let i = 0; i < 16; i++) out[1 + i] = scratchBytes[HOST_LE ? i : i < 8 ? 7 - i : 23 - i] as number;
  out.set(record, TTL_HEADER);
  return out;
}

function readHeader(bytes: Uint8Array): void {
  if (bytes.length <= TTL_HEADER) throw new StoreError('DECODE', 'malformed expiring record');
  for (let i = 0; i < 16; i++) scratchBytes[HOST_LE ? i : i < 8 ? 7 - i : 23 - i] = bytes[1 + i] as number;
}

/** The expiry (epoch ms) of a record with a TTL (the read path's: 8 bytes, no allocation). */
export function expiryOf(bytes: Uint8Array): number {
  if (bytes.length <= TTL_HEADER) throw new StoreError('DECODE', 'malformed expiring record');
  for (let i = 0; i < 8; i++) scratchBytes[HOST_LE ? i : 7 - i] = bytes[1 + i] as number;
  return scratch[0] as number;
}

// `liveAt` compares the stored expiry's bits with `now`'s instead of reading the expiry as a float:
// 8 byte stores then one 8-byte load (expiryOf) defeat the CPU's store forwarding, a cost a TTL get
// pays on every read. For non-negative finite doubles the order of the values is the unsigned order
// of their bits: high words, then low words.
const nowScratch = new Float64Array(1);
const nowWords = new Uint32Array(nowScratch.buffer);
const HI = HOST_LE ? 1 : 0;
// High words from this up are negative numbers, infinities or NaN: `liveAt` compares those as floats.
const NOT_FINITE_POSITIVE_HI = 0x7ff00000;

/**
 * Whether a record with a TTL still lives at `now` (epoch ms), i.e. `now < expiryOf(bytes)`: the
 * read path's test, without allocation. `DECODE` for a record too short to hold an expiry.
 */
export function liveAt(bytes: Uint8Array, now: number): boolean {
  // `length`, not `byteLength`: on Node 20 (V8 11.3) TurboFan calls a builtin for a typed array's
  // byteLength (about 12 ns here) where it reads `length` inline; they are equal for a Uint8Array.
  if (bytes.length <= TTL_HEADER) throw new StoreError('DECODE', 'malformed expiring record');
  nowScratch[0] = now;
  const nowHi = nowWords[HI] as number;
  const hi = ((bytes[5] as number) | ((bytes[6] as number) << 8) | ((bytes[7] as number) << 16) | ((bytes[8] as number) << 24)) >>> 0;
  if (hi >= NOT_FINITE_POSITIVE_HI || nowHi >= NOT_FINITE_POSITIVE_HI) return now < expiryOf(bytes);
  if (hi !== nowHi) return hi > nowHi;
  const lo = ((bytes[1] as number) | ((bytes[2] as number) << 8) | ((bytes[3] as number) << 16) | ((bytes[4] as number) << 24)) >>> 0;
  return lo > (nowWords[1 - HI] as number);
}

/** The TTL (ms) a record was written with. */
export function ttlOfRecord(bytes: Uint8Array): number {
  readHeader(bytes);
  return scratch[1] as number;
}

/** The record a TTL record wraps, whatever its expiry (a view into `bytes`). */
export function unwrapTtl(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= TTL_HEADER) throw new StoreError('DECODE', 'malformed expiring record');
  return bytes.subarray(TTL_HEADER);
}

/** Whether stored bytes carry a TTL. */
export const hasTtl = (bytes: Uint8Array): boolean => bytes[0] === TTL_TAG;

/**
 * What a read sees of stored bytes at `now`: the record itself when it has no TTL, the wrapped record
 * while it lives, undefined from its expiry instant on.
 */
export function liveRecord(bytes: Uint8Array | undefined, now: number): Uint8Array | undefined {
  if (bytes === undefined || bytes[0] !== TTL_TAG) return bytes;
  return liveAt(bytes, now) ? unwrapTtl(bytes) : undefined;
}

/** Whether stored bytes are a record whose TTL has run out at `now`. */
export const isExpired = (bytes: Uint8Array, now: number): boolean => bytes[0] === TTL_TAG && !liveAt(bytes, now);

/** `ttlMs` as given to a write or a domain: a positive safe integer of milliseconds, else `INVALID_VALUE`. */
export function assertTtlMs(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1)
    throw new StoreError('INVALID_VALUE', `ttlMs must be a positive integer of milliseconds, got ${String(ttlMs)}`);
}

/** An encoded record as stored with `ttlMs` (none: as given), expiring `ttlMs` after `now` (the writer's clock). */
export const withTtl = (record: Uint8Array, ttlMs: number | undefined, now: number): Uint8Array =>
  ttlMs === undefined ? record : wrapTtl(record, now + ttlMs, ttlMs);

/**
 * A counter's stored bytes as a counter update sees them at `now`: an expired counter is absent (it
 * expires as a whole), a live one is its wrapped record; `rewrap` puts the result back under the same
 * expiry, or under a fresh `ttlMs` when the counter starts anew.
 */
export function counterRecord(
  stored: Uint8Array | undefined,
  now: number,
  ttlMs: number | undefined,
): { current: Uint8Array | undefined; rewrap: (next: Uint8Array) => Uint8Array } {
  const current = liveRecord(stored, now);
  if (stored !== undefined && current !== undefined && hasTtl(stored)) {
    const expiresAt = expiryOf(stored);
    const ttl = ttlOfRecord(stored);
    return { current, rewrap: (next) => wrapTtl(next, expiresAt, ttl) };
  }
  // A counter that exists without a TTL keeps none; a new (or expired) one takes the write's TTL.
  if (current !== undefined) return { current, rewrap: (next) => next };
  return { current, rewrap: (next) => withTtl(next, ttlMs, now) };
}
