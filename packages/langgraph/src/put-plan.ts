import type { Key } from '@agentstore/core';
import type { ChannelVersions, Checkpoint } from '@langchain/langgraph-checkpoint';
import { checkVersion } from './config-args.js';
import { fitsInline } from './inline-size.js';
import { type Version, valueKey } from './layout.js';
import type { StoredChannel } from './stored-channels.js';

/**
 * Largest channel value (roughly, in encoded bytes) a record carries; larger ones are entries of
 * their own, written once per version. Carrying the small ones makes a checkpoint one read.
 */
const COPY_MAX_BYTES = 2048;

/** What a `put` stores of each channel, decided before anything is encoded. */
export interface PutPlan {
  /** Channels whose values the record carries, and those values (same order). */
  readonly names: string[];
  readonly carried: unknown[];
  /** Channels whose value is an entry of its own. */
  readonly refs: string[];
  /** The value entries this `put` adds: key and value. */
  readonly changed: Array<readonly [Key, unknown]>;
  /** How each channel is stored, remembered for the thread's next `put`. */
  readonly stored: Map<string, StoredChannel>;
}

/**
 * Decides how a `put` of `checkpoint` into (thread, ns) stores each channel. A small changed value is
 * carried in the record; a large one is an entry of its own, which later checkpoints that keep it
 * refer to. An unchanged value is carried again when it was carried before (`known`: what this
 * process remembers it stored; else `parentStored()`, what the parent record says), so the record
 * stays whole.
 */
export async function planPut(
  thread: string,
  ns: string,
  checkpoint: Checkpoint,
  newVersions: ChannelVersions,
  known: Map<string, StoredChannel> | undefined,
  parentStored: () => Promise<Map<string, StoredChannel> | undefined>,
): Promise<PutPlan> {
  const values = checkpoint.channel_values;
  const versions = checkpoint.channel_versions ?? {};
  const plan: PutPlan = { names: [], carried: [], refs: [], changed: [], stored: new Map() };
  for (const channel of Object.keys(newVersions)) {
    const version = checkVersion(newVersions[channel]);
    const current = versions[channel] === version;
    if (!hasValue(values, channel)) {
      if (current) plan.stored.set(channel, { version, present: false, carried: false });
      continue;
    }
    const value = values[channel];
    if (current && fitsInline(value, COPY_MAX_BYTES)) {
      plan.stored.set(channel, { version, present: true, carried: true });
      plan.names.push(channel);
      plan.carried.push(value);
      continue;
    }
    plan.changed.push([valueKey(thread, ns, channel, version), value]);
    if (!current) continue;
    plan.stored.set(channel, { version, present: true, carried: false });
    plan.refs.push(channel);
  }
  let askedParent = false;
  for (const channel of Object.keys(versions)) {
    if (plan.stored.has(channel)) continue;
    const version = versions[channel] as Version;
    let before = known?.get(channel);
    if ((before === undefined || before.version !== version) && !askedParent) {
      // Not stored by this process (a restart, another writer): what the parent stored decides.
      askedParent = true;
      known = await parentStored();
      before = known?.get(channel);
    }
    if (before === undefined || before.version !== version) {
      plan.refs.push(channel);
      continue;
    }
    plan.stored.set(channel, before);
    if (!before.present) continue;
    if (!before.carried) plan.refs.push(channel);
    else if (hasValue(values, channel)) {
      plan.names.push(channel);
      plan.carried.push(values[channel]);
    }
  }
  return plan;
}

/** Whether the checkpoint has a value for `channel` (own key: a channel emptied at this version has none). */
function hasValue(values: Checkpoint['channel_values'] | undefined, channel: string): values is Checkpoint['channel_values'] {
  return values !== undefined && values !== null && Object.hasOwn(values, channel);
}
