import { StoreError } from '../errors.js';
import { compareBytes, prefixUpperBound } from '../keys/index.js';
import { escapeSegment, readUint64, withUint64, writeUint64 } from '../keys/segment.js';
import type { ByteRange } from '../spi/backend.js';

// Internal key spaces of a journal domain (all below 0x10, so no user key can collide).
const HEAD = 0x05; // HEAD ++ utf8(stream)                      → stream head (24 bytes)
const ENTRY = 0x06; // ENTRY ++ escaped(stream) 00 ++ u64be(seq) → entry (17-byte header, value)

const HEAD_BYTES = 24;
const ENTRY_HEADER = 17;
const HAS_VALID_TIME = 0x01;

/** A stream's head: the last seq issued, the lowest seq not truncated, the last commit time. */
export interface StreamHead {
  readonly lastSeq: number;
  readonly firstSeq: number;
  readonly lastTxTime: number;
}

/** The head of a stream never appended to. */
export const EMPTY_STREAM: StreamHead = { lastSeq: 0, firstSeq: 1, lastTxTime: 0 };

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Key of a stream's head. */
export function headKey(stream: string): Uint8Array {
  const name = utf8(stream);
  const out = new Uint8Array(1 + name.byteLength);
  out[0] = HEAD;
  out.set(name, 1);
  return out;
}

/** The stream name of a head key. */
export const streamOfHeadKey = (key: Uint8Array): string =>
  Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('utf8');

/** Range of every head whose stream starts with `prefix`, after `after` when given. */
export function headRange(prefix: string, after: string | undefined): ByteRange {
  const start = headKey(prefix);
  const end = prefixUpperBound(start) as Uint8Array; // the first byte is HEAD, never 0xFF
  const lower = after !== undefined && compareBytes(headKey(after), start) >= 0 ? { gt: headKey(after) } : { gte: start };
  return { ...lower, lt: end };
}

/** The key prefix every entry of `stream` shares. */
export function entryPrefix(stream: string): Uint8Array {
  const escaped = escapeSegment(utf8(stream));
  const out = new Uint8Array(1 + escaped.byteLength);
  out[0] = ENTRY;
  out.set(escaped, 1);
  return out;
}

/** Key of entry `seq` of the stream whose prefix is `prefix`. */
export const entryKey = (prefix: Uint8Array, seq: number): Uint8Array => withUint64(prefix, seq);

/** The seq of an entry key. */
export const seqOfEntryKey = (key: Uint8Array): number => readUint64(key, key.byteLength - 8);

/** Range of every entry of the domain (for stats). */
export const ENTRY_RANGE: ByteRange = { gte: Uint8Array.of(ENTRY), lt: Uint8Array.of(ENTRY + 1) };

/** Encodes a stream head. */
export function encodeHead(head: StreamHead): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES);
  writeUint64(out, 0, head.lastSeq);
  writeUint64(out, 8, head.firstSeq);
  new DataView(out.buffer).setFloat64(16, head.lastTxTime);
  return out;
}

/** Decodes a stream head; {@link EMPTY_STREAM} when absent. */
export function decodeHead(bytes: Uint8Array | undefined): StreamHead {
  if (bytes === undefined) return EMPTY_STREAM;
  if (bytes.byteLength !== HEAD_BYTES) throw new StoreError('DECODE', 'malformed journal stream head');
  const head = {
    lastSeq: readUint64(bytes, 0),
    firstSeq: readUint64(bytes, 8),
    lastTxTime: new DataView(bytes.buffer, bytes.byteOffset, HEAD_BYTES).getFloat64(16),
  };
  if (head.firstSeq < 1 || head.firstSeq > head.lastSeq + 1 || !Number.isFinite(head.lastTxTime)) {
    throw new StoreError('DECODE', 'malformed journal stream head');
  }
  return head;
}

/** An entry record: flags, txTime, validTime (0 when absent), then the encoded value. */
export function encodeEntry(txTime: number, validTime: number | undefined, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENTRY_HEADER + value.byteLength);
  const view = new DataView(out.buffer);
  out[0] = validTime === undefined ? 0 : HAS_VALID_TIME;
  view.setFloat64(1, txTime);
  view.setFloat64(9, validTime ?? 0);
  out.set(value, ENTRY_HEADER);
  return out;
}

/** Splits an entry record into its times and its encoded value (a view into `bytes`). */
export function decodeEntry(bytes: Uint8Array): { txTime: number; validTime: number | undefined; value: Uint8Array } {
  const flags = bytes[0];
  if (bytes.byteLength < ENTRY_HEADER || flags === undefined || (flags & ~HAS_VALID_TIME) !== 0) {
    throw new StoreError('DECODE', 'malformed journal entry');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENTRY_HEADER);
  return {
    txTime: view.getFloat64(1),
    validTime: flags & HAS_VALID_TIME ? view.getFloat64(9) : undefined,
    value: bytes.subarray(ENTRY_HEADER),
  };
}
