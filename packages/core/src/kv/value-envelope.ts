import { allocBytes } from '../codec/byte-pool.js';
import { DECODE_OWNED, ENCODE_TAGGED, type OwnedDecoder, type TaggedEncoder, valueTooLarge } from '../codec/tagged.js';
import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';

// The first byte of a stored kv value says what follows, so a counter reads as a number through any codec.
const VALUE_TAG = 0x00;
const COUNTER_TAG = 0x01;
// A tuple counter (several positions in one record, BeamAgent's counter tuples): n float64 LE.
const TUPLE_TAG = 0x02;
// 0x03 wraps a record with an expiry (see ttl-record.ts, which owns the layout).
const TTL_WRAPPED = 0x03;
const TTL_HEADER_BYTES = 17;
/** The most positions a tuple counter holds (a record stays under 2 KiB). */
export const MAX_TUPLE_POSITIONS = 256;

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

/** Whether stored bytes hold a counter (a single one or a tuple). */
export function isCounter(bytes: Uint8Array): boolean {
  return bytes[0] === COUNTER_TAG || bytes[0] === TUPLE_TAG;
}

/** Reads a counter: 0 when absent, `INVALID_VALUE` when the key holds a non-counter value. */
export function counterValue(bytes: Uint8Array | undefined): number {
  if (bytes === undefined) return 0;
  if (bytes[0] === TUPLE_TAG) throw new StoreError('INVALID_VALUE', 'the key holds a tuple counter: update it by positions');
  if (bytes[0] !== COUNTER_TAG) throw new StoreError('INVALID_VALUE', 'the key holds a value that is not a counter');
  return readCounter(bytes);
}

/** Reads a tuple counter: `[]` when absent, `INVALID_VALUE` when the key holds anything else. */
export function tupleValue(bytes: Uint8Array | undefined): number[] {
  if (bytes === undefined) return [];
  if (bytes[0] === COUNTER_TAG) throw new StoreError('INVALID_VALUE', 'the key holds a single counter, not a tuple counter');
  if (bytes[0] !== TUPLE_TAG) throw new StoreError('INVALID_VALUE', 'the key holds a value that is not a counter');
  return readTuple(bytes);
}

/** Encodes a tuple counter (every element a safe integer, at most {@link MAX_TUPLE_POSITIONS}). */
export function encodeTuple(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(1 + 8 * values.length);
  out[0] = TUPLE_TAG;
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(1 + 8 * i, values[i] as number, true);
  return out;
}

function readTuple(bytes: Uint8Array): number[] {
  const n = (bytes.byteLength - 1) / 8;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TUPLE_POSITIONS) throw new StoreError('DECODE', 'malformed tuple counter record');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const value = view.getFloat64(1 + 8 * i, true);
    if (!Number.isSafeInteger(value)) throw new StoreError('DECODE', 'malformed tuple counter record');
    out.push(value);
  }
  return out;
}

function readCounter(bytes: Uint8Array): number {
  if (bytes.byteLength !== 9) throw new StoreError('DECODE', 'malformed counter record');
  for (let i = 0; i < 8; i++) scratchBytes[HOST_LE ? i : 7 - i] = bytes[1 + i] as number;
  const value = scratchFloat[0] as number;
  if (!Number.isSafeInteger(value)) throw new StoreError('DECODE', 'malformed counter record');
  return value;
}

/**
 * Decodes stored kv bytes: a counter as a number, a tuple counter as numbers, anything else through
 * `codec`. `owned`: the bytes are memory of their own nothing else references (the backend's
 * `ownedReads`), which a codec that can (the raw one) hands over without a copy.
 */
export function decodeValue<V>(codec: Codec<V>, bytes: Uint8Array, owned = false): V {
  const tag = bytes[0];
  if (tag === COUNTER_TAG) return readCounter(bytes) as V;
  if (tag === TUPLE_TAG) return readTuple(bytes) as V;
  // A record with a TTL (ttl-record.ts): reads filter by expiry before they decode; this decodes what it wraps.
  // `length`: V8 11.3 reads it inline, byteLength through a builtin call (see ttl-record.ts, liveAt).
  if (tag === TTL_WRAPPED && bytes.length > TTL_HEADER_BYTES) {
    // One view of the value's bytes, not a view of a view: this is every TTL read's decode.
    if (bytes[TTL_HEADER_BYTES] === VALUE_TAG) return decodeBody(codec, bytes, TTL_HEADER_BYTES + 1, owned);
    return decodeValue(codec, bytes.subarray(TTL_HEADER_BYTES), owned);
  }
  if (tag !== VALUE_TAG) throw new StoreError('DECODE', `unknown value record tag ${String(tag)}`);
  return decodeBody(codec, bytes, 1, owned);
}

function decodeBody<V>(codec: Codec<V>, bytes: Uint8Array, from: number, owned: boolean): V {
  const takeOver = owned ? (codec as Partial<OwnedDecoder<V>>)[DECODE_OWNED] : undefined;
  return takeOver === undefined ? codec.decode(bytes.subarray(from)) : takeOver(bytes, from);
}
