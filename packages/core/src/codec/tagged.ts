import { StoreError } from '../errors.js';

/**
 * Internal fast path of the built-in codecs: encodes a value directly after a one-byte record tag, in
 * one allocation (the generic path encodes, then copies into the tagged record). Not part of `Codec`:
 * codecs without it go through `encode`.
 */
export const ENCODE_TAGGED: unique symbol = Symbol('agentstore.encodeTagged');

/** A codec that has the fast path: `tag` then the encoding, `VALUE_TOO_LARGE` past `maxBytes` of encoding. */
export interface TaggedEncoder<V> {
  [ENCODE_TAGGED](value: V, tag: number, maxBytes: number): Uint8Array;
}

/** The error for an encoding of `size` bytes where the domain allows `maxBytes`. */
export function valueTooLarge(size: number, maxBytes: number): StoreError {
  return new StoreError('VALUE_TOO_LARGE', `value is ${size} bytes encoded; the domain allows ${maxBytes}`);
}
