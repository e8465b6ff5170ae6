import { StoreError } from '../errors.js';
import { escapeSegment, readUint64, withUint64, writeUint64 } from '../keys/segment.js';
import type { ByteRange } from '../spi/backend.js';

// Internal key spaces of a versioned domain (all below 0x10, so no user key can collide).
const HEAD = 0x07; // HEAD ++ encodedKey                         → key head (16 bytes)
const VERSION = 0x08; // VERSION ++ escaped(encodedKey) 00 ++ u64be(seq) → version (25-byte header, value)

const HEAD_BYTES = 16;
const VERSION_HEADER = 25;
const IS_CORRECTION = 0x01;
const HAS_VALID_TO = 0x02;
// A retraction (SPEC §9.5) carries no value: where it wins, the key has none.
const IS_RETRACTION = 0x04;
const FLAGS = IS_CORRECTION | HAS_VALID_TO | IS_RETRACTION;

/** What a version record says: a value put, a correction, or a retraction. */
export type VersionKind = 'put' | 'correct' | 'retract';

/** A key's head: the last per-key seq issued and the last commit time. */
export interface KeyHead {
  readonly seq: number;
  readonly lastTxTime: number;
}

/** The head of a key never written. */
export const EMPTY_KEY: KeyHead = { seq: 0, lastTxTime: 0 };

/** Times and kind of one version, decoded without its value. */
export interface VersionHeader {
  readonly kind: VersionKind;
  readonly txTime: number;
  readonly validFrom: number;
  /** +Infinity when open-ended. */
  readonly validTo: number;
}

/** Key of a key's head (`encoded` is the agentstore key encoding). */
export function headKey(encoded: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + encoded.byteLength);
  out[0] = HEAD;
  out.set(encoded, 1);
  return out;
}

/** The prefix every version of a key shares. */
export function versionPrefix(encoded: Uint8Array): Uint8Array {
  const escaped = escapeSegment(encoded);
  const out = new Uint8Array(1 + escaped.byteLength);
  out[0] = VERSION;
  out.set(escaped, 1);
  return out;
}

/** Key of version `seq` of the key whose prefix is `prefix`. */
export const versionKey = (prefix: Uint8Array, seq: number): Uint8Array => withUint64(prefix, seq);

/** The encoded user key of a head key (inverse of {@link headKey}). */
export const encodedOfHead = (head: Uint8Array): Uint8Array => head.subarray(1);

/** The head keys of the user keys within `range` (bounds over encoded keys): `headKey` keeps order. */
export function headRange(range: ByteRange): ByteRange {
  const out: { -readonly [K in keyof ByteRange]: ByteRange[K] } = {};
  if (range.gt) out.gt = headKey(range.gt);
  if (range.gte) out.gte = headKey(range.gte);
  if (range.lt) out.lt = headKey(range.lt);
  if (range.lte) out.lte = headKey(range.lte);
  return out;
}

/** Range of every version of the domain (for stats). */
export const VERSION_RANGE: ByteRange = { gte: Uint8Array.of(VERSION), lt: Uint8Array.of(VERSION + 1) };

/** Encodes a key head. */
export function encodeHead(head: KeyHead): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES);
  writeUint64(out, 0, head.seq);
  new DataView(out.buffer).setFloat64(8, head.lastTxTime);
  return out;
}

/** Decodes a key head; {@link EMPTY_KEY} when absent. */
export function decodeHead(bytes: Uint8Array | undefined): KeyHead {
  if (bytes === undefined) return EMPTY_KEY;
  if (bytes.byteLength !== HEAD_BYTES) throw new StoreError('DECODE', 'malformed versioned key head');
  const lastTxTime = new DataView(bytes.buffer, bytes.byteOffset, HEAD_BYTES).getFloat64(8);
  if (!Number.isFinite(lastTxTime)) throw new StoreError('DECODE', 'malformed versioned key head');
  return { seq: readUint64(bytes, 0), lastTxTime };
}

/** A version record: flags, txTime, validFrom, validTo (0 when open), then the encoded value (none for a retraction). */
export function encodeVersion(kind: VersionKind, validTo: number | undefined, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(VERSION_HEADER + value.byteLength);
  const kindFlag = kind === 'correct' ? IS_CORRECTION : kind === 'retract' ? IS_RETRACTION : 0;
  out[0] = kindFlag | (validTo === undefined ? 0 : HAS_VALID_TO);
  new DataView(out.buffer).setFloat64(17, validTo ?? 0);
  out.set(value, VERSION_HEADER);
  return out;
}

/** Sets the transaction-dependent times of a record made by {@link encodeVersion}. */
export function stampVersion(record: Uint8Array, txTime: number, validFrom: number): void {
  const view = new DataView(record.buffer, record.byteOffset, VERSION_HEADER);
  view.setFloat64(1, txTime);
  view.setFloat64(9, validFrom);
}

/** The times and kind of a version record (its value is not touched). */
export function decodeHeader(bytes: Uint8Array): VersionHeader {
  const flags = bytes[0];
  if (
    bytes.byteLength < VERSION_HEADER ||
    flags === undefined ||
    (flags & ~FLAGS) !== 0 ||
    (flags & IS_CORRECTION && flags & IS_RETRACTION) ||
    (flags & IS_RETRACTION && bytes.byteLength !== VERSION_HEADER)
  ) {
    throw new StoreError('DECODE', 'malformed versioned record');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, VERSION_HEADER);
  return {
    kind: flags & IS_RETRACTION ? 'retract' : flags & IS_CORRECTION ? 'correct' : 'put',
    txTime: view.getFloat64(1),
    validFrom: view.getFloat64(9),
    validTo: flags & HAS_VALID_TO ? view.getFloat64(17) : Number.POSITIVE_INFINITY,
  };
}

/** The encoded value of a version record (a view into `bytes`). */
export const versionValue = (bytes: Uint8Array): Uint8Array => bytes.subarray(VERSION_HEADER);
