import type { ByteRange, Bytes } from '@agentstore/core/spi';
import { allocBytes } from '@agentstore/core/spi';
import type { Database } from 'lmdb';
import { lmdbRangeOf } from './range.js';

/** A binary-keyed, binary-valued lmdb database (one domain). */
export type BinaryDb = Database<Buffer, Buffer>;

/** Bytes as a Buffer sharing their memory (for Buffer methods: compare, toString). */
export function asBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Bytes as lmdb's binary key or value: lmdb copies them with `Uint8Array#set` (`writeBufferKey`, and
 * `instanceof Uint8Array` for values), so any Uint8Array will do. Wrapping it in a Buffer would cost
 * more than the read: it makes V8 move a small on-heap array's bytes off the heap.
 */
export function lmdbBytes(b: Bytes): Buffer {
  return b as Buffer;
}

/** The size of lmdb-js's shared get buffer as it opens (16 MiB); a larger value makes it grow. */
const SHARED_GET_BYTES = 16 * 1024 * 1024;

/**
 * Values of at least this many bytes `readValue` copies into memory of their own (SPI
 * `ownedReadsFrom`); smaller ones into pooled memory.
 */
export const OWNED_READS_FROM = 64 * 1024;

/**
 * The value under `key` (outside a transaction: in lmdb's cached read transaction), as bytes the
 * caller owns. lmdb's `getBinary` copies the value into a Buffer made through the `Buffer` species
 * (a backing store of its own, then a JS constructor); this copies it out of lmdb's shared get
 * buffer into pooled memory instead, which core's codecs copy again before a user sees anything.
 * A large value gets an uninitialized array of its own (the copy overwrites every byte): core hands
 * it on without another copy, and a zero-filled one would cost a pass over the memory first.
 */
export function readValue(db: BinaryDb, key: Bytes): Bytes | undefined {
  const reads = db as unknown as FastReads;
  const fast = reads.getBinaryFast(lmdbBytes(key));
  if (fast === undefined) return undefined;
  return copyOut(reads, fast, reads.lastSize);
}

/** `readValue`'s copy of the `size` bytes lmdb returned in `fast`. */
function copyOut(reads: FastReads, fast: Uint8Array, size: number): Bytes {
  const out = size >= OWNED_READS_FROM ? new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size) : allocBytes(size);
  out.set(new Uint8Array(fast.buffer, fast.byteOffset, size));
  // A value above 16 MiB made lmdb grow its shared buffer to twice its size, for good; `getBinary`
  // would have used a buffer of its own. Shrink it back rather than pin that memory.
  if (size > SHARED_GET_BYTES) reads._allocateGetBuffer?.(SHARED_GET_BYTES / 2);
  return out;
}

/**
 * The value under `key` as a view of lmdb's shared get buffer, valid only until the next read of this
 * process (SPI `getSyncTransient`): no copy. A large value (`OWNED_READS_FROM`) is read as `readValue`
 * reads it, into memory of its own (lmdb may have made it a buffer of its own, or grown the shared one).
 */
export function readTransient(db: BinaryDb, key: Bytes): Bytes | undefined {
  const reads = db as unknown as FastReads;
  const fast = reads.getBinaryFast(lmdbBytes(key));
  if (fast === undefined) return undefined;
  const size = reads.lastSize;
  if (size >= OWNED_READS_FROM) return copyOut(reads, fast, size);
  // A view: lmdb's buffer says its `length` is the value's size, but `subarray` and `set` would see all of it.
  return new Uint8Array(fast.buffer, fast.byteOffset, size);
}

/** A transient value (`readTransient`) copied into pooled memory, for a caller that must read again before using it. */
export function ownedCopy(value: Bytes): Bytes {
  const out = allocBytes(value.byteLength);
  out.set(value);
  return out;
}

/** The part of lmdb-js's read API `readValue` uses beyond its type declarations. */
interface FastReads {
  /** The value in a buffer lmdb reuses for the next read; undefined when absent. */
  getBinaryFast(key: Buffer): Uint8Array | undefined;
  /** The size of the value the last read found. */
  readonly lastSize: number;
  /** lmdb-js internal (3.x): replaces the shared get buffer with one of max(2 × size, 4 KiB). */
  _allocateGetBuffer?(size: number): unknown;
}

/** Reads `range` from `db` (inside whatever transaction is current) as an array. */
export function readRange(db: BinaryDb, range: ByteRange, limit = range.limit): Array<[Buffer, Buffer]> {
  const options = lmdbRangeOf(range, limit);
  if (options === undefined) return [];
  const out: Array<[Buffer, Buffer]> = [];
  for (const { key, value } of db.getRange(options)) out.push([key, value]);
  return out;
}
