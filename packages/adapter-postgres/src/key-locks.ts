import { createHash } from 'node:crypto';
import { type Bytes, MIGRATION_GUARD_KEY } from '@agentstore/core/spi';
import { type Bounds, byteId, compareKeys } from './bounds.js';

/**
 * Which writer locks a transaction needs, at the narrowest grain that keeps it exact.
 *
 * Every key belongs to one *partition*: for a tuple key, its first two elements (`[thread, ns, …]`,
 * `['c', thread, …]` in `AgentstoreSaver`'s domains); for core's other keys, their bytes up to and
 * including the first `0x00` after the first byte, or the whole key when there is none (`0x03 <trace>
 * 00 <id>`, `0x06 <stream> 00 <seq>`: one trace's index, one stream's entries). One thread's, trace's or
 * stream's keys so share a few partitions, and different ones share none. A transaction takes an exclusive advisory lock on the
 * partition of every key it reads or writes, and of every range it reads when the range lies inside
 * one partition (a range's phantoms are keys of that partition, which a writer can only add under the
 * same lock). Everything else — a range spanning partitions, a write to the migration guard — takes
 * the domain's lock exclusively; every other transaction holds that lock shared, so those wait for
 * (and exclude) all writers of the domain, as the single writer lock used to for everything.
 */

/** A partition's identity (latin1 of its bytes) and its bytes. */
export interface Partition {
  readonly id: string;
  readonly bytes: Bytes;
}

/** Core's tuple-key tags (`keys/layout.ts`): a tuple, and its number and string elements. */
const TUPLE = 0x30;
const NUMBER = 0x10;
const STRING = 0x20;
/** Elements of a tuple key that make its partition. */
const TUPLE_ELEMENTS = 2;

/** The partition `key` belongs to. */
export function partitionOf(key: Bytes): Partition {
  const end = key[0] === TUPLE ? tupleEnd(key) : key.indexOf(0x00, 1) + 1;
  const bytes = end <= 0 || end >= key.byteLength ? key : key.subarray(0, end);
  return { id: byteId(bytes), bytes };
}

/**
 * Where the first two elements of a tuple key end (number: tag + 8 bytes; string: tag, escaped
 * UTF-8 without 0x00, terminator 0x00), or 0 when the key has fewer (or is not well formed).
 */
function tupleEnd(key: Bytes): number {
  let at = 1;
  for (let n = 0; n < TUPLE_ELEMENTS; n++) {
    if (key[at] === NUMBER) at += 9;
    else if (key[at] === STRING) {
      const stop = key.indexOf(0x00, at + 1);
      if (stop < 0) return 0;
      at = stop + 1;
    } else return 0;
    if (at > key.byteLength) return 0;
  }
  return at;
}

/**
 * True when every key starting with the partition's bytes belongs to it (so a range of them is
 * covered by its lock): a tuple partition of two whole elements, or another that ends with its
 * `0x00` terminator.
 */
function isClosed(partition: Partition): boolean {
  const p = partition.bytes;
  if (p[0] === TUPLE) return tupleEnd(p) === p.byteLength;
  return p.byteLength >= 2 && p[p.byteLength - 1] === 0x00;
}

/**
 * The single partition every key inside `bounds` belongs to, or undefined when the range may span
 * several (then the domain lock covers it). Keys in `[p, p with its last byte + 1)` are exactly the
 * keys starting with `p`; when `p` ends with the first `0x00` after byte 0, they all have partition `p`.
 */
export function partitionOfRange(bounds: Bounds): Partition | undefined {
  const { lower, upper } = bounds;
  if (lower === undefined || upper === undefined) return undefined;
  const partition = partitionOf(lower.key);
  if (!isClosed(partition)) return undefined;
  const end = prefixEnd(partition.bytes);
  if (end === undefined) return undefined;
  const order = compareKeys(upper.key, end);
  return order < 0 || (order === 0 && !upper.inclusive) ? partition : undefined;
}

/**
 * The open interval of keys `partition` holds besides its own bytes (`[p, end of p)` minus `p`), or
 * undefined when it holds only one key: what a gap read under its lock may say of other keys.
 */
export function partitionSpan(partition: Partition): { readonly after: Bytes; readonly before: Bytes | undefined } | undefined {
  if (!isClosed(partition)) return undefined;
  return { after: partition.bytes, before: prefixEnd(partition.bytes) };
}

/** Whether `key` is core's migration guard (written only under the domain's exclusive lock). */
export function isGuardKey(key: Bytes): boolean {
  return compareKeys(key, MIGRATION_GUARD_KEY) === 0;
}

/** A signed 64-bit advisory-lock key (decimal SQL literal) of one partition of one domain. */
export function partitionLockId(domainLockId: string, partition: Partition): string {
  const digest = createHash('sha256').update(domainLockId).update('\0').update(partition.bytes).digest();
  return digest.readBigInt64BE(0).toString();
}

/** Lock ids in the one order every transaction acquires them in (numeric), so waits never form a cycle. */
export function sortLockIds(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** True when `id` comes after every id in `held` in the acquisition order (then blocking on it is safe). */
export function isAfterAll(id: string, held: ReadonlySet<string>): boolean {
  const x = BigInt(id);
  for (const h of held) if (BigInt(h) >= x) return false;
  return true;
}

/** The first key after every key starting with `p` (undefined when `p` is all 0xFF). */
function prefixEnd(p: Bytes): Buffer | undefined {
  const end = Buffer.from(p);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
