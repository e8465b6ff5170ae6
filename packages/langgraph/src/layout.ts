import type { Key } from '@agentstore/core';

/**
 * Key shapes of the saver's three kv domains. Keys are tuples, so every range below is an ordered
 * prefix scan and "newest first" is a reverse scan: checkpoint ids (uuid6) sort in creation order.
 *
 * checkpoints domain
 *   ['c', thread, ns, checkpointId] → CheckpointRecord   (per thread and namespace, by id)
 *   ['t', thread, checkpointId, ns] → 0                  (per thread across namespaces, by id)
 * writes domain
 *   [thread, ns, checkpointId, taskId, idx] → WriteRecord (idx < 0 for WRITES_IDX_MAP channels)
 * blobs domain
 *   [thread, ns, channel, version] → BlobRecord           (one value per channel version)
 */

/** A value as a serde wrote it: its type tag and bytes. */
export type Serialized = readonly [type: string, bytes: Uint8Array];

/** A checkpoint without its channel values (those live in the blobs domain). */
export interface CheckpointRecord {
  /** The checkpoint minus `channel_values`, through the saver's serde. */
  readonly checkpoint: Serialized;
  /** The checkpoint metadata, through the saver's serde. */
  readonly metadata: Serialized;
  /** Id of the parent checkpoint in the same thread and namespace. */
  readonly parentId?: string;
}

/** One pending write. */
export interface WriteRecord {
  readonly channel: string;
  /** The task path `putWrites` received (`''` when none). */
  readonly taskPath: string;
  readonly value: Serialized;
}

/** A channel's value at one version; null when the channel was emptied at that version. */
export type BlobRecord = Serialized | null;

/** A channel version as LangGraph hands it over. */
export type Version = string | number;

export const checkpointKey = (thread: string, ns: string, id: string): Key => ['c', thread, ns, id];
export const checkpointPrefix = (thread: string, ns?: string): Key => (ns === undefined ? ['c', thread] : ['c', thread, ns]);
export const timeKey = (thread: string, id: string, ns: string): Key => ['t', thread, id, ns];
export const timePrefix = (thread?: string): Key => (thread === undefined ? ['t'] : ['t', thread]);
export const writeKey = (thread: string, ns: string, id: string, taskId: string, idx: number): Key => [thread, ns, id, taskId, idx];
export const writesPrefix = (thread: string, ns?: string, id?: string): Key =>
  ns === undefined ? [thread] : id === undefined ? [thread, ns] : [thread, ns, id];
export const blobKey = (thread: string, ns: string, channel: string, version: Version): Key => [thread, ns, channel, version];
export const blobsPrefix = (thread: string, ns?: string): Key => (ns === undefined ? [thread] : [thread, ns]);

/**
 * The first key after every key that starts with `prefix` (a tuple of at least one string): the last
 * element followed by U+0000 sorts after that element's extensions and before any larger string.
 */
export function afterPrefix(prefix: readonly (string | number)[]): Key {
  const last = prefix[prefix.length - 1];
  if (typeof last !== 'string') throw new Error('afterPrefix needs a tuple ending in a string');
  return [...prefix.slice(0, -1), `${last}\u0000`];
}
