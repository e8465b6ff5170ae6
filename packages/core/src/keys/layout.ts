/**
 * The byte layout of encoded keys, shared by the encoder, the decoder and the range builder.
 *
 * Every user key starts with a tag byte in 0x10..0x3F; bytes 0x00..0x0F are reserved for core's
 * internal keys (kind markers, counters metadata, …) and are never produced by `encodeKey`.
 *
 * - scalar number: `0x10` + 8 bytes of order-transformed float64 (big-endian)
 * - scalar string: `0x20` + raw UTF-8 (nothing follows, so no terminator is needed)
 * - tuple:         `0x30` + elements, each
 *     - number: `0x10` + 8 bytes, as above
 *     - string: `0x20` + UTF-8 with `0x00 → 0x01 0x01`, `0x01 → 0x01 0x02`, then terminator `0x00`
 *
 * Why this orders correctly (unsigned bytewise compare, a prefix sorts first):
 * - tags: numbers (0x10) < strings (0x20) < tuples (0x30), both at the top level and per element.
 * - numbers: the float transform is monotonic and fixed-width, so elements stay aligned.
 * - tuple strings: at the first differing UTF-8 byte a < b the escaped forms compare the same way
 *   (0x00 → 01 01 < 0x01 → 01 02 < any byte ≥ 0x02); when one string is a prefix of the other, the
 *   shorter one's terminator 0x00 meets the longer one's next escaped byte (≥ 0x01), so it sorts first;
 *   equal strings end at the same byte, so the next elements are compared aligned.
 * - a shorter tuple is a byte prefix of its extensions, so it sorts first.
 */

/** Tag of a scalar number key, and of a number element inside a tuple. */
export const TAG_NUMBER = 0x10;
/** Tag of a scalar string key, and of a string element inside a tuple. */
export const TAG_STRING = 0x20;
/** Tag of a tuple key. */
export const TAG_TUPLE = 0x30;
/** Lowest first byte of a user key; everything below is reserved for core. */
export const USER_KEY_MIN = 0x10;
/** First byte above the user key space (exclusive upper bound of every user key). */
export const USER_KEY_END = 0x40;
/** Terminates a string element inside a tuple. */
export const STRING_END = 0x00;
/** Escape byte inside a tuple string: `01 01` stands for 0x00 and `01 02` for 0x01. */
export const STRING_ESCAPE = 0x01;
/** Largest encoded key, in bytes (SPEC §3: 1 KiB). */
export const MAX_KEY_BYTES = 1024;
