import { randomFillSync } from 'node:crypto';
import { StoreError } from '../errors.js';
import { readUint64, writeUint64 } from '../keys/segment.js';
import type { ByteRange } from '../spi/backend.js';

// Internal keys of a snapshots domain (below 0x10, so no user key can collide).
const EPOCH = 0x09; // EPOCH    → stamp (16 bytes)
const SNAPSHOT = 0x0a; // SNAPSHOT → stamp, u32be opts length, opts, snapshot

/** Key of the small epoch record that readers poll. */
export const EPOCH_KEY = Uint8Array.of(EPOCH);
/** Key of the snapshot record. */
export const SNAPSHOT_KEY = Uint8Array.of(SNAPSHOT);
/** Range holding the snapshot record (for stats: 1 record while a snapshot is stored). */
export const SNAPSHOT_RANGE: ByteRange = { gte: SNAPSHOT_KEY, lt: Uint8Array.of(SNAPSHOT + 1) };

/**
 * A stamp: the epoch (u64be) and 8 random bytes. The epoch record holds the stamp of the last swap
 * and the snapshot record starts with its own, so a reader compares stamps, never payloads; the
 * random half keeps a stamp unique even if the domain is dropped and its epochs start again.
 */
export const STAMP_BYTES = 16;
const HEADER = STAMP_BYTES + 4;

/** A fresh stamp with epoch 0 (set by {@link setEpoch} in the write transaction). */
export function newStamp(): Uint8Array {
  const stamp = new Uint8Array(STAMP_BYTES);
  randomFillSync(stamp, 8, 8);
  return stamp;
}

/** Writes `epoch` into the stamp at the start of `bytes` (a stamp or a snapshot record). */
export const setEpoch = (bytes: Uint8Array, epoch: number): void => writeUint64(bytes, 0, epoch);

/** The epoch of a stamp or a snapshot record. */
export function epochOf(bytes: Uint8Array | undefined): number {
  if (bytes === undefined) return 0;
  if (bytes.byteLength < STAMP_BYTES) throw new StoreError('DECODE', 'malformed snapshot epoch record');
  return readUint64(bytes, 0);
}

// Bit 31 of the opts length says a catalog section (u32be length, index declarations) follows the
// opts; lengths stay below 2 GiB (`maxValueBytes`), so the bit is free and older records read as before.
const HAS_INDEXES = 0x8000_0000;

/** A snapshot record for `stamp` (copied in), with the encoded options, index declarations (if any) and snapshot. */
export function encodeRecord(stamp: Uint8Array, opts: Uint8Array, snapshot: Uint8Array, indexes?: Uint8Array): Uint8Array {
  const extra = indexes === undefined ? 0 : 4 + indexes.byteLength;
  const out = new Uint8Array(HEADER + opts.byteLength + extra + snapshot.byteLength);
  out.set(stamp);
  const view = new DataView(out.buffer);
  view.setUint32(STAMP_BYTES, indexes === undefined ? opts.byteLength : (opts.byteLength | HAS_INDEXES) >>> 0);
  out.set(opts, HEADER);
  let at = HEADER + opts.byteLength;
  if (indexes !== undefined) {
    view.setUint32(at, indexes.byteLength);
    out.set(indexes, at + 4);
    at += extra;
  }
  out.set(snapshot, at);
  return out;
}

/** Splits a snapshot record into its stamp, options, index declarations and snapshot bytes (views into `bytes`). */
export function decodeRecord(bytes: Uint8Array): {
  stamp: Uint8Array;
  opts: Uint8Array;
  indexes: Uint8Array | undefined;
  snapshot: Uint8Array;
} {
  if (bytes.byteLength < HEADER) throw new StoreError('DECODE', 'malformed snapshot record');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = view.getUint32(STAMP_BYTES);
  const optsLength = word & ~HAS_INDEXES;
  if (optsLength > bytes.byteLength - HEADER) throw new StoreError('DECODE', 'malformed snapshot record');
  let at = HEADER + optsLength;
  let indexes: Uint8Array | undefined;
  if ((word & HAS_INDEXES) !== 0) {
    if (at + 4 > bytes.byteLength) throw new StoreError('DECODE', 'malformed snapshot record');
    const length = view.getUint32(at);
    if (length > bytes.byteLength - at - 4) throw new StoreError('DECODE', 'malformed snapshot record');
    indexes = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return {
    stamp: bytes.subarray(0, STAMP_BYTES),
    opts: bytes.subarray(HEADER, HEADER + optsLength),
    indexes,
    snapshot: bytes.subarray(at),
  };
}
