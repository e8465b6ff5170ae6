import type { Key } from '@agentstore/core';

/**
 * Key shapes written by versions before the thread-first layout, kept only to find and migrate them
 * (`legacy-migration.ts`). Their first element is a tag string, the thread comes second:
 *
 * checkpoints domain
 *   ['c', thread, ns, checkpointId]       → CheckpointRecord
 *   ['t', thread, checkpointId, ns]       → 0
 *   ['v', thread, ns, channel, version]   → StoredValue
 * writes domain
 *   [thread, ns, checkpointId, taskId, idx] → WriteRecord
 *
 * New keys have a number second, so `[tag, <any string>, …]` is always an old key.
 */
export const LEGACY_TAGS = ['c', 't', 'v'] as const;

/**
 * The old keys of one tag (of one thread when given). Every old key is `[tag, <string>, …]`; a new key
 * of a thread named like the tag is `[tag, <number>, …]`, and numbers sort before strings.
 */
export function legacyTagRange(tag: string, thread?: string): { gte: Key; lt: Key } | { prefix: Key } {
  return thread === undefined ? { gte: [tag, ''], lt: [`${tag}\u0000`] } : { prefix: [tag, thread] };
}

/** The new key of an old checkpoints-domain key. */
export function migratedKey(old: Key): Key {
  const [tag, thread, ...rest] = old as Array<string | number>;
  return [thread as string, TAG_NUMBER[tag as 'c' | 't' | 'v'], ...rest];
}

/** The new key (in the checkpoints domain) of an old writes-domain key. */
export function migratedWriteKey(old: Key): Key {
  const [thread, ...rest] = old as Array<string | number>;
  return [thread as string, 1, ...rest];
}

/** Old tag → the number the thread-first layout puts second (see `layout.ts`). */
const TAG_NUMBER = { c: 1, t: 2, v: 3 } as const;
