import { StoreError } from '../errors.js';
import { readUint64, withUint64, writeUint64 } from '../keys/segment.js';
import type { ByteRange } from '../spi/backend.js';
import type { VectorMetric } from './types.js';

// Internal key spaces of a vectors domain (all below 0x10, so no user key can collide).
const HEAD = 0x01; //   HEAD                      → format, metric, dims, epoch, last seq (24 bytes)
const ENTRY = 0x09; //  ENTRY ++ encodedKey        → flags, seq, dims × float32 LE, metadata JSON
const CHANGE = 0x0a; // CHANGE ++ u64be(seq)       → encodedKey: the entry under it changed at seq
const TOMB = 0x0b; //   TOMB ++ encodedKey         → u64be(seq) of the CHANGE that recorded its delete

// Every write gives the entries it touches a new seq and a CHANGE record under it, and removes the
// CHANGE record of the seq it replaces: the CHANGE space holds one record per live key plus one per
// deleted key (until that key is written again), so "what changed since seq n" is one range read
// of bounded size. A reader applies a CHANGE by reading the entry: present with that seq → upsert;
// absent → delete; present with another seq → a later CHANGE covers it.

const FORMAT = 1;
const HEAD_BYTES = 24;
const HAS_METADATA = 0x01;
/** Bytes of an entry record before its vector. */
export const ENTRY_HEADER = 9;
const METRICS: readonly VectorMetric[] = ['cosine', 'dot', 'l2'];
// Stored floats are little-endian; on such a host (x86, ARM) they are copied as bytes.
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** The HEAD key. */
export const HEAD_KEY: Uint8Array = Uint8Array.of(HEAD);

/** A domain's head: its settings, a random epoch (new per domain lifetime) and the last seq issued. */
export interface VectorsHead {
  readonly metric: VectorMetric;
  readonly dims: number;
  /** 8 random bytes as hex, drawn by the domain's first write: tells a cached index which domain it indexed. */
  readonly epoch: string;
  readonly seq: number;
}

/** Encodes a head. */
export function encodeHead(head: VectorsHead): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES);
  out[0] = FORMAT;
  out[1] = METRICS.indexOf(head.metric);
  new DataView(out.buffer).setUint32(4, head.dims);
  out.set(Buffer.from(head.epoch, 'hex'), 8);
  writeUint64(out, 16, head.seq);
  return out;
}

/** Decodes a head; undefined when absent (a domain never written). */
export function decodeHead(bytes: Uint8Array | undefined): VectorsHead | undefined {
  if (bytes === undefined) return undefined;
  const metric = METRICS[bytes[1] as number];
  if (bytes.byteLength !== HEAD_BYTES || bytes[0] !== FORMAT || metric === undefined) {
    throw new StoreError('DECODE', 'malformed vectors head');
  }
  const dims = new DataView(bytes.buffer, bytes.byteOffset, HEAD_BYTES).getUint32(4);
  const epoch = Buffer.from(bytes.buffer, bytes.byteOffset + 8, 8).toString('hex');
  return { metric, dims, epoch, seq: readUint64(bytes, 16) };
}

function prefixed(tag: number, encoded: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + encoded.byteLength);
  out[0] = tag;
  out.set(encoded, 1);
  return out;
}

/** Key of the entry of an encoded user key. */
export const entryKey = (encoded: Uint8Array): Uint8Array => prefixed(ENTRY, encoded);
/** Key of the tombstone marker of an encoded user key. */
export const tombKey = (encoded: Uint8Array): Uint8Array => prefixed(TOMB, encoded);
/** Key of the change record of `seq`. */
export const changeKey = (seq: number): Uint8Array => withUint64(Uint8Array.of(CHANGE), seq);
/** The encoded user key of an entry key (a view). */
export const userKeyOf = (entry: Uint8Array): Uint8Array => entry.subarray(1);

/** Every entry of the domain (the records stats count). */
export const ENTRY_RANGE: ByteRange = { gte: Uint8Array.of(ENTRY), lt: Uint8Array.of(ENTRY + 1) };
/** Every change record of the domain. */
export const CHANGE_RANGE: ByteRange = { gte: Uint8Array.of(CHANGE), lt: Uint8Array.of(CHANGE + 1) };
/** Every tombstone marker of the domain. */
export const TOMB_RANGE: ByteRange = { gte: Uint8Array.of(TOMB), lt: Uint8Array.of(TOMB + 1) };

/** Change records after `seq`, in seq order. */
export const changesAfter = (seq: number, limit: number): ByteRange => ({ gt: changeKey(seq), lt: CHANGE_RANGE.lt, limit });

/** Encodes an entry; `metadata` is JSON text or undefined. */
export function encodeEntry(seq: number, vector: Float32Array, metadata: string | undefined): Uint8Array {
  const meta = metadata === undefined ? undefined : Buffer.from(metadata, 'utf8');
  const out = new Uint8Array(ENTRY_HEADER + vector.byteLength + (meta?.byteLength ?? 0));
  out[0] = meta === undefined ? 0 : HAS_METADATA;
  writeUint64(out, 1, seq);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), ENTRY_HEADER);
  else {
    const view = new DataView(out.buffer, ENTRY_HEADER, vector.byteLength);
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] as number, true);
  }
  if (meta) out.set(meta, ENTRY_HEADER + vector.byteLength);
  return out;
}

/** Sets the seq of a record made by {@link encodeEntry} (assigned inside the transaction). */
export const stampEntry = (record: Uint8Array, seq: number): void => writeUint64(record, 1, seq);

/** A decoded entry; `metadata` is its JSON text. */
export interface EntryRecord {
  readonly seq: number;
  readonly vector: Float32Array;
  readonly metadata: string | undefined;
}

/** The seq of an entry record, without decoding the rest. */
export function entrySeq(bytes: Uint8Array): number {
  if (bytes.byteLength < ENTRY_HEADER) throw new StoreError('DECODE', 'malformed vectors entry');
  return readUint64(bytes, 1);
}

/**
 * Decodes an entry of a domain of `dims` dimensions. The vector is a fresh copy, or `into` (reused
 * by a caller that copies it elsewhere at once: loading 100,000 entries then allocates nothing per entry).
 */
export function decodeEntry(bytes: Uint8Array, dims: number, into?: Float32Array): EntryRecord {
  const flags = bytes[0];
  const end = ENTRY_HEADER + dims * 4;
  if (bytes.byteLength < end || (flags !== 0 && flags !== HAS_METADATA) || (flags === 0 && bytes.byteLength !== end)) {
    throw new StoreError('DECODE', 'malformed vectors entry');
  }
  const vector = into ?? new Float32Array(dims);
  if (LITTLE_ENDIAN) new Uint8Array(vector.buffer, vector.byteOffset, dims * 4).set(bytes.subarray(ENTRY_HEADER, end));
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + ENTRY_HEADER, dims * 4);
    for (let i = 0; i < dims; i++) vector[i] = view.getFloat32(i * 4, true);
  }
  const metadata =
    flags === HAS_METADATA ? Buffer.from(bytes.buffer, bytes.byteOffset + end, bytes.byteLength - end).toString('utf8') : undefined;
  return { seq: readUint64(bytes, 1), vector, metadata };
}

/** Checks an entry's header without knowing the domain's dims; returns its payload size (vector and metadata). */
export function entryPayload(bytes: Uint8Array): number {
  entrySeq(bytes);
  if (bytes[0] !== 0 && bytes[0] !== HAS_METADATA) throw new StoreError('DECODE', 'malformed vectors entry');
  return bytes.byteLength - ENTRY_HEADER;
}

/** Decodes a tombstone marker: the seq of its change record. */
export function decodeTomb(bytes: Uint8Array): number {
  if (bytes.byteLength !== 8) throw new StoreError('DECODE', 'malformed vectors tombstone');
  return readUint64(bytes, 0);
}

/** Encodes a tombstone marker. */
export const encodeTomb = (seq: number): Uint8Array => withUint64(new Uint8Array(0), seq);

/** The seq of a change key. */
export function changeSeq(key: Uint8Array): number {
  if (key.byteLength !== 9 || key[0] !== CHANGE) throw new StoreError('DECODE', 'malformed vectors change key');
  return readUint64(key, 1);
}
