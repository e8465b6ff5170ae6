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

/**
 * Internal fast path of the raw codec: the value of `bytes[from..]` when `bytes` is memory of its own
 * that nothing else references (a backend's `ownedReads`): a view of it, not a copy.
 */
export const DECODE_OWNED: unique symbol = Symbol('agentstore.decodeOwned');

/** A codec that can take over owned bytes (see `DECODE_OWNED`). */
export interface OwnedDecoder<V> {
  [DECODE_OWNED](bytes: Uint8Array, from: number): V;
}

/**
 * Internal mark of the built-in codecs whose `decode` keeps no reference to the bytes it is given
 * (it copies what it keeps): core may then decode bytes valid only for the moment (a backend's
 * `getSyncTransient`). A user codec may keep views of its input, so it never gets such bytes.
 */
export const DECODE_COPIES: unique symbol = Symbol('agentstore.decodeCopies');

/** A codec marked with `DECODE_COPIES`. */
export interface CopyingDecoder {
  readonly [DECODE_COPIES]: true;
}

/** The error for an encoding of `size` bytes where the domain allows `maxBytes`. */
export function valueTooLarge(size: number, maxBytes: number): StoreError {
  return new StoreError('VALUE_TOO_LARGE', `value is ${size} bytes encoded; the domain allows ${maxBytes}`);
}
