import type { Key } from '@agentstore/core';

/**
 * Key shapes of the saver's two kv domains. Keys are tuples, so every range below is an ordered
 * prefix scan and "newest first" is a reverse scan: checkpoint ids (uuid6) sort in creation order.
 *
 * checkpoints domain (a checkpoint's record and the channel values it adds: one `putMany`, one commit)
 *   ['c', thread, ns, checkpointId]       → CheckpointRecord (per thread and namespace, by id; with copies of its small new values)
 *   ['t', thread, checkpointId, ns]       → 0                (per thread across namespaces, by id)
 *   ['v', thread, ns, channel, version]   → StoredValue      (one value per channel version)
 * writes domain
 *   [thread, ns, checkpointId, taskId, idx] → WriteRecord    (idx < 0 for WRITES_IDX_MAP channels)
 */

/** A value as a serde wrote it: its type tag and bytes. */
export type Serialized = readonly [type: string, bytes: Uint8Array];

/**
 * A stored value: `[data]` is data agentstore's default codec stored whole (the kv codec decodes it
 * in the same pass as the record around it, with no serde bytes in between); `[type, bytes]` is what
 * the saver's serde made of it.
 */
export type StoredValue = readonly [data: unknown] | Serialized;

/** A checkpoint without its channel values (those are `'v'` entries). */
export interface CheckpointRecord {
  /** The checkpoint minus `channel_values`. */
  readonly checkpoint: StoredValue;
  /** The checkpoint metadata. */
  readonly metadata: StoredValue;
  /** Id of the parent checkpoint in the same thread and namespace. */
  readonly parentId?: string;
  /**
   * Copies of the small channel values this checkpoint changed (each also stored as its `'v'` entry,
   * which later checkpoints read), so reading this checkpoint needs no `'v'` read for them.
   */
  readonly values?: ReadonlyArray<readonly [channel: string, value: StoredValue]>;
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

export const checkpointKey = (thread: string, ns: string, id: string): Key => ['c', thread, ns, id];
export const checkpointPrefix = (thread: string, ns?: string): Key => (ns === undefined ? ['c', thread] : ['c', thread, ns]);
export const timeKey = (thread: string, id: string, ns: string): Key => ['t', thread, id, ns];
export const timePrefix = (thread?: string): Key => (thread === undefined ? ['t'] : ['t', thread]);
export const valueKey = (thread: string, ns: string, channel: string, version: Version): Key => ['v', thread, ns, channel, version];
export const valuesPrefix = (thread: string, ns?: string): Key => (ns === undefined ? ['v', thread] : ['v', thread, ns]);
export const writeKey = (thread: string, ns: string, id: string, taskId: string, idx: number): Key => [thread, ns, id, taskId, idx];
export const writesPrefix = (thread: string, ns?: string, id?: string): Key =>
  ns === undefined ? [thread] : id === undefined ? [thread, ns] : [thread, ns, id];

/**
 * The first key after every key that starts with `prefix` (a tuple of at least one string): the last
 * element followed by U+0000 sorts after that element's extensions and before any larger string.
 */
export function afterPrefix(prefix: readonly (string | number)[]): Key {
  const last = prefix[prefix.length - 1];
  if (typeof last !== 'string') throw new Error('afterPrefix needs a tuple ending in a string');
  return [...prefix.slice(0, -1), `${last}\u0000`];
}
