/**
 * The default codec's binary format, version 1. A payload is one version byte, then one value:
 * a tag byte, then the tag's body. Lengths and counts are unsigned LEB128 varints (at most 5 bytes,
 * at most 2^32 - 1); multi-byte numbers are little-endian.
 *
 * | tag       | body                                                                   |
 * | --------- | ---------------------------------------------------------------------- |
 * | 0x80–0xFF | none: the integer `tag - 0x80` (0..127)                                |
 * | 0x40–0x5F | `tag - 0x40` bytes of UTF-8: a string of at most 31 bytes (object keys) |
 * | UNDEFINED, NULL, FALSE, TRUE | none                                                |
 * | INT8      | 1 byte, signed                                                         |
 * | INT32     | 4 bytes, signed                                                        |
 * | FLOAT64   | 8 bytes (also NaN, ±Infinity, -0)                                      |
 * | STRING    | byte length, UTF-8                                                     |
 * | STRING16  | code-unit count, UTF-16 code units (strings with lone surrogates)      |
 * | BIGINT_POS / BIGINT_NEG | magnitude byte length, magnitude big-endian               |
 * | DATE      | 8 bytes float64 time value (NaN: invalid Date)                         |
 * | REGEXP    | source string value, flags string value                                |
 * | ARRAY     | count, values                                                          |
 * | OBJECT    | count, (string value, value) pairs                                     |
 * | MAP       | count, (key value, value) pairs                                        |
 * | SET       | count, values                                                          |
 * | ARRAYBUFFER | byte length, bytes                                                   |
 * | VIEW      | view kind byte (VIEW_KINDS index), byte length, bytes                  |
 */

/** The version byte every default-codec payload starts with. */
export const FORMAT_VERSION = 1;

// Tag bytes of the default format (plain constants rather than an enum: they inline in hot code).
/** Tag: undefined. */
export const T_UNDEFINED = 0x00;
/** Tag: null. */
export const T_NULL = 0x01;
/** Tag: false. */
export const T_FALSE = 0x02;
/** Tag: true. */
export const T_TRUE = 0x03;
/** Tag: signed 8-bit integer. */
export const T_INT8 = 0x04;
/** Tag: signed 32-bit integer. */
export const T_INT32 = 0x05;
/** Tag: float64. */
export const T_FLOAT64 = 0x06;
/** Tag: well-formed string as UTF-8. */
export const T_STRING = 0x07;
/** Tag: string with lone surrogates, as UTF-16 code units. */
export const T_STRING16 = 0x08;
/** Tag: non-negative BigInt. */
export const T_BIGINT_POS = 0x09;
/** Tag: negative BigInt. */
export const T_BIGINT_NEG = 0x0a;
/** Tag: Date. */
export const T_DATE = 0x0b;
/** Tag: RegExp. */
export const T_REGEXP = 0x0c;
/** Tag: array. */
export const T_ARRAY = 0x10;
/** Tag: plain object. */
export const T_OBJECT = 0x11;
/** Tag: Map. */
export const T_MAP = 0x12;
/** Tag: Set. */
export const T_SET = 0x13;
/** Tag: ArrayBuffer. */
export const T_ARRAYBUFFER = 0x14;
/** Tag: typed array or DataView. */
export const T_VIEW = 0x15;
/** Tags 0x40..0x5F are short UTF-8 strings, the byte length in the low 5 bits. */
export const T_FIXSTR = 0x40;
/** Longest byte length a FIXSTR tag carries. */
export const FIXSTR_MAX = 0x1f;
/** Tags from here up are the integers 0..127. */
export const T_FIXINT = 0x80;

/** A constructor of one of the views the format carries. */
type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;

/**
 * View kinds by their byte in a VIEW body: a fixed table, so decoding never looks a constructor up by
 * a name taken from the data. Append only: the index is stored.
 */
export const VIEW_KINDS: ReadonlyArray<{ readonly ctor: ViewConstructor; readonly bytesPerElement: number }> = [
  { ctor: Int8Array, bytesPerElement: 1 },
  { ctor: Uint8Array, bytesPerElement: 1 },
  { ctor: Uint8ClampedArray, bytesPerElement: 1 },
  { ctor: Int16Array, bytesPerElement: 2 },
  { ctor: Uint16Array, bytesPerElement: 2 },
  { ctor: Int32Array, bytesPerElement: 4 },
  { ctor: Uint32Array, bytesPerElement: 4 },
  { ctor: Float32Array, bytesPerElement: 4 },
  { ctor: Float64Array, bytesPerElement: 8 },
  { ctor: BigInt64Array, bytesPerElement: 8 },
  { ctor: BigUint64Array, bytesPerElement: 8 },
  { ctor: DataView, bytesPerElement: 1 },
];

/** The VIEW kind byte for a view's exact prototype (a Buffer is stored as a Uint8Array). */
export const VIEW_KIND_BY_PROTO: ReadonlyMap<object, number> = new Map<object, number>([
  ...VIEW_KINDS.map((k, i) => [k.ctor.prototype as object, i] as const),
  [Buffer.prototype, 1],
]);

/**
 * Typed-array bytes are copied as they sit in memory and stored little-endian; every platform Node
 * ships for today is little-endian, and on any other we refuse multi-byte views rather than corrupt them.
 */
export const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
