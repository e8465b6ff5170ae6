import type { Key } from '@agentstore/core';

/**
 * Key shapes of the saver. Every key starts with the thread id (a distributed database can shard the
 * domain by it, and a thread is one contiguous key region); the second element is a number tag, which
 * no key of the previous layout has there (`legacy-layout.ts`). Keys are tuples, so ranges are ordered
 * prefix scans and "newest first" is a reverse scan: checkpoint ids (uuid6) sort in creation order.
 *
 * checkpoints domain
 *   [thread, 0]                                 → expiry (epoch ms), only with a thread TTL
 *   [thread, 1, ns, checkpointId]               → CheckpointRecord (with copies of its small channel values)
 *   [thread, 1, ns, checkpointId, taskId, idx]  → WriteRecord      (idx < 0 for WRITES_IDX_MAP channels)
 *   [thread, 2, checkpointId, ns]               → 0                (namespaces other than '', by id)
 *   [thread, 3, ns, channel, version]           → StoredValue      (values too large to copy into records)
 *
 * A checkpoint's pending writes sort right after its record (a tuple sorts before its extensions), so
 * one reverse range from the end of `[thread, 1, ns]` yields the newest checkpoint's writes and then
 * its record, and one forward range over `[thread, 1, ns, id]` yields a given checkpoint and its writes.
 * A root-namespace checkpoint has no `[thread, 2, …]` entry, so its `put` writes one key region: a
 * thread's history across namespaces is the root records merged with the index (`newest-first.ts`);
 * root entries that earlier versions wrote to the index are skipped.
 */

/** A value as a serde wrote it: its type tag and bytes. */
export type Serialized = readonly [type: string, bytes: Uint8Array];

/**
 * A stored value: `[data]` is data agentstore's default codec stored whole (the kv codec decodes it
 * in the same pass as the record around it, with no serde bytes in between); `[type, bytes]` is what
 * the saver's serde made of it.
 */
export type StoredValue = readonly [data: unknown] | Serialized;

/** A checkpoint without the channel values it keeps as `[thread, 3, …]` entries. */
export interface CheckpointRecord {
  /** The checkpoint minus `channel_values`. */
  readonly checkpoint: StoredValue;
  /** The checkpoint metadata. */
  readonly metadata: StoredValue;
  /** Id of the parent checkpoint in the same thread and namespace. */
  readonly parentId?: string;
  /** Channel values carried in the record itself: reading the checkpoint needs no other read for them. */
  readonly values?: ReadonlyArray<readonly [channel: string, value: StoredValue]>;
  /**
   * Channels whose value is a `[thread, 3, ns, channel, version]` entry. Absent in records of earlier
   * versions, which read every channel without a copy from its entry.
   */
  readonly refs?: readonly string[];
}

/** One pending write. */
export interface WriteRecord {
  readonly channel: string;
  /** The task path `putWrites` received (`''` when none). */
  readonly taskPath: string;
  readonly value: StoredValue;
}

/** A channel's value at one version; null when the channel was emptied at that version. */
export type ValueRecord = StoredValue | null;

/** A channel version as LangGraph hands it over. */
export type Version = string | number;

/** Second element of each kind of key. */
export const EXPIRY = 0;
export const CHECKPOINT = 1;
export const TIME = 2;
export const VALUE = 3;

export const expiryKey = (thread: string): Key => [thread, EXPIRY];
export const checkpointKey = (thread: string, ns: string, id: string): Key => [thread, CHECKPOINT, ns, id];
/** The records and writes of a thread (in one namespace, of one checkpoint). */
export const checkpointPrefix = (thread: string, ns?: string, id?: string): Key =>
  ns === undefined ? [thread, CHECKPOINT] : id === undefined ? [thread, CHECKPOINT, ns] : [thread, CHECKPOINT, ns, id];
export const writeKey = (thread: string, ns: string, id: string, taskId: string, idx: number): Key => [
  thread,
  CHECKPOINT,
  ns,
  id,
  taskId,
  idx,
];
export const timeKey = (thread: string, id: string, ns: string): Key => [thread, TIME, id, ns];
export const timePrefix = (thread: string): Key => [thread, TIME];
export const valueKey = (thread: string, ns: string, channel: string, version: Version): Key => [thread, VALUE, ns, channel, version];
export const valuesPrefix = (thread: string, ns?: string): Key => (ns === undefined ? [thread, VALUE] : [thread, VALUE, ns]);
/** Every key of a thread. */
export const threadPrefix = (thread: string): Key => [thread];

/** Whether a key under `checkpointPrefix` is a checkpoint record (the others are its writes). */
export const isRecordKey = (key: Key): boolean => (key as unknown[]).length === 4;

/**
 * The first key after every key that starts with `prefix` (a tuple of at least one string): the last
 * element followed by U+0000 sorts after that element's extensions and before any larger string.
 */
export function afterPrefix(prefix: readonly (string | number)[]): Key {
  const last = prefix[prefix.length - 1];
  if (typeof last !== 'string') throw new Error('afterPrefix needs a tuple ending in a string');
  return [...prefix.slice(0, -1), `${last}\u0000`];
}
