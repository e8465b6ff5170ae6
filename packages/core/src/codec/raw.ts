import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';
import { allocBytes } from './byte-pool.js';
import {
  type CopyingDecoder,
  DECODE_COPIES,
  DECODE_OWNED,
  ENCODE_TAGGED,
  type OwnedDecoder,
  type TaggedEncoder,
  valueTooLarge,
} from './tagged.js';

// The intrinsic getters of %TypedArray%.prototype read the internal slots, so an object cannot fake
// them with own properties (`Symbol.toStringTag`, `byteLength`); they work across realms too.
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayName = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag)?.get as (this: unknown) => string | undefined;
const typedArrayByteLength = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteLength')?.get as (this: Uint8Array) => number;

function isUint8Array(value: unknown): value is Uint8Array {
  // Not `instanceof`: `Object.create(Uint8Array.prototype)` passes it without being an array. Accepts
  // Uint8Arrays from other realms; a Buffer is a Uint8Array too.
  return typedArrayName.call(value) === 'Uint8Array';
}

/** A plain Uint8Array copy: never a Buffer, never sharing memory with what it was made from. */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function encode(value: Uint8Array): Uint8Array {
  if (!isUint8Array(value)) {
    throw new StoreError('INVALID_VALUE', 'raw codec: value must be a Uint8Array (or Buffer) at $');
  }
  // Copied so that later changes to the caller's array cannot reach stored data.
  return copy(value);
}

/** The tagged record in one copy (see `ENCODE_TAGGED`); the size is checked before anything is allocated. */
function encodeTagged(value: Uint8Array, tag: number, maxBytes: number): Uint8Array {
  if (!isUint8Array(value)) {
    throw new StoreError('INVALID_VALUE', 'raw codec: value must be a Uint8Array (or Buffer) at $');
  }
  const size = typedArrayByteLength.call(value);
  if (size > maxBytes) throw valueTooLarge(size, maxBytes);
  const out = allocBytes(size + 1);
  out[0] = tag;
  out.set(value, 1);
  return out;
}

function decode(bytes: Uint8Array): Uint8Array {
  return copy(bytes);
}

/**
 * `bytes[from..]` as a plain Uint8Array view, without a copy: for bytes of their own nothing else
 * references (a read of a backend with `ownedReads`, e.g. a row SQLite's driver just made). The view
 * is all the user gets of that memory; the bytes before `from` are the record's own header.
 */
function decodeOwned(bytes: Uint8Array, from: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + from, bytes.byteLength - from);
}

/** Bytes in, bytes out: accepts a Uint8Array or Buffer, returns plain Uint8Array copies. */
export const rawCodec: Codec<Uint8Array> = Object.freeze({
  name: 'raw',
  encode,
  decode,
  [ENCODE_TAGGED]: encodeTagged,
  [DECODE_OWNED]: decodeOwned,
  [DECODE_COPIES]: true,
} satisfies Codec<Uint8Array> & TaggedEncoder<Uint8Array> & OwnedDecoder<Uint8Array> & CopyingDecoder);
