import { allocBytes } from '../codec/byte-pool.js';
import { ENCODE_TAGGED, type TaggedEncoder, valueTooLarge } from '../codec/tagged.js';
import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';

// The first byte of a stored kv value says what follows, so a counter reads as a number through any codec.
const VALUE_TAG = 0x00;
const COUNTER_TAG = 0x01;

/**
 * Encodes a user value with `codec`; `VALUE_TOO_LARGE` when the encoding exceeds `maxBytes`. The
 * record never shares memory with `value` or with what the codec returned (a caller may change its
 * arrays afterwards); it may share a pooled chunk with other records (`allocBytes`), so it is for
 * backends only, never handed to a user.
 */
export function encodeValue<V>(codec: Codec<V>, value: V, maxBytes: number): Uint8Array {
  const tagged = (codec as Partial<TaggedEncoder<V>>)[ENCODE_TAGGED];
  if (tagged !== undefined) return tagged(value, VALUE_TAG, maxBytes);
  const body = codec.encode(value);
  if (body.byteLength > maxBytes) throw valueTooLarge(body.byteLength, maxBytes);
  const out = allocBytes(body.byteLength + 1);
  out[0] = VALUE_TAG;
  out.set(body, 1);
  return out;
}

// Float64 <-> little-endian bytes through one scratch word: a DataView over a 9-byte record would make
// V8 move the record's bytes off the heap (small typed arrays live on it until `.buffer` is read).
const scratchFloat = new Float64Array(1);
const scratchBytes = new Uint8Array(scratchFloat.buffer);
const HOST_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Encodes a counter value (a safe integer), in pooled memory like `encodeValue`: a 9-byte array of
 * its own would live on V8's heap and be moved off it when a native driver takes its bytes.
 */
export function encodeCounter(value: number): Uint8Array {
  const out = allocBytes(9);
  out[0] = COUNTER_TAG;
  scratchFloat[0] = value;
  for (let i = 0; i < 8; i++) out[1 + i] = scratchBytes[HOST_LE ? i : 7 - i] as number;
  return out;
}

/** Whether stored bytes hold a counter. */
export function isCounter(bytes: Uint8Array): boolean {
  return bytes[0] === COUNTER_TAG;
}

/** Reads a counter: 0 when absent, `INVALID_VALUE` when the key holds a non-counter value. */
export function counterValue(bytes: Uint8Array | undefined): number {
  if (bytes === undefined) return 0;
  if (bytes[0] !== COUNTER_TAG) throw new StoreError('INVALID_VALUE', 'the key holds a value that is not a counter');
  return readCounter(bytes);
}

function readCounter(bytes: Uint8Array): number {
  if (bytes.byteLength !== 9) throw new StoreError('DECODE', 'malformed counter record');
  for (let i = 0; i < 8; i++) scratchBytes[HOST_LE ? i : 7 - i] = bytes[1 + i] as number;
  const value = scratchFloat[0] as number;
  if (!Number.isSafeInteger(value)) throw new StoreError('DECODE', 'malformed counter record');
  return value;
}

/** Decodes stored kv bytes: a counter as a number, anything else through `codec`. */
export function decodeValue<V>(codec: Codec<V>, bytes: Uint8Array): V {
  const tag = bytes[0];
  if (tag === COUNTER_TAG) return readCounter(bytes) as V;
  if (tag !== VALUE_TAG) throw new StoreError('DECODE', `unknown value record tag ${String(tag)}`);
  return codec.decode(bytes.subarray(1));
}
