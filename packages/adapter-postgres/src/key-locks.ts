import { createHash } from 'node:crypto';
import { type Bytes, MIGRATION_GUARD_KEY } from '@agentstore/core';
import { type Bounds, byteId, compareKeys } from './bounds.js';

/**
 * Which writer locks a transaction needs, at the narrowest grain that keeps it exact.
 *
 * Every key belongs to one *partition*: its bytes up to and including the first `0x00` after the
 * first byte, or the whole key when there is none. Core's layouts put the trace, thread, stream or
 * tuple's first string element there, terminated by `0x00` (`0x03 <trace> 00 <id>`, `0x06 <stream> 00
 * <seq>`, `0x30 0x20 <thread> 00 …`), so one trace's index, one stream's entries or one thread's keys
 * share a partition, and different ones do not. A transaction takes an exclusive advisory lock on the
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

/** The partition `key` belongs to. */
export function partitionOf(key: Bytes): Partition {
  const end = key.indexOf(0x00, 1);
  const bytes = end < 0 ? key : key.subarray(0, end + 1);
  return { id: byteId(bytes), bytes };
}

/** True when a partition holds more keys than one: it ends with its `0x00` terminator. */
function isTerminated(partition: Partition): boolean {
  return partition.bytes.byteLength >= 2 && partition.bytes[partition.bytes.byteLength - 1] === 0x00;
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
  if (!isTerminated(partition)) return undefined;
  const p = partition.bytes;
  const end = Buffer.from(p);
  end[end.length - 1] = 0x01; // p ends with 0x00: its successor prefix ends with 0x01
  const order = compareKeys(upper.key, end);
  return order < 0 || (order === 0 && !upper.inclusive) ? partition : undefined;
}

/** Whether `key` is core's migration guard (written only under the domain's exclusive lock). */
export function isGuardKey(key: Bytes): boolean {
  return compareKeys(key, MIGRATION_GUARD_KEY) === 0;
}

/** True when `key` belongs to `partition`, so a gap fetched under the partition's lock covers it. */
export function inPartition(key: Bytes, partition: Partition): boolean {
  return partitionOf(key).id === partition.id;
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
