/** Order-preserving binary keys (SPEC §3): encoding, decoding and ranges over encoded keys. */
export { compareBytes, equalBytes, prefixUpperBound } from './bytes.js';
export { decodeKey } from './decode.js';
export { encodeKey, encodeKeyPooled, encodeKeyTransient, ownedKey } from './encode.js';
export { MAX_KEY_BYTES, USER_KEY_END, USER_KEY_MIN } from './layout.js';
export { isEmptyByteRange, rangeToBytes } from './range.js';
export { isWellFormed } from './well-formed.js';
