import type { Checkpoint } from '@langchain/langgraph-checkpoint';
import type { CheckpointRecord } from './layout.js';
import type { StoredChannel } from './stored-channels.js';
import type { StoredCodec } from './stored-codec.js';

/**
 * What a checkpoint's record stored of each of its channels: carried in the record, an entry of its
 * own, or nothing (the channel was empty). What a `put` continues from when this process does not remember.
 */
export async function channelsStoredBy(record: CheckpointRecord, codec: StoredCodec): Promise<Map<string, StoredChannel>> {
  const checkpoint = (await codec.load(record.checkpoint)) as Partial<Checkpoint>;
  const carried = new Set(record.values?.map(([channel]) => channel));
  const refs = record.refs === undefined ? undefined : new Set(record.refs);
  const out = new Map<string, StoredChannel>();
  for (const [channel, version] of Object.entries(checkpoint.channel_versions ?? {})) {
    if (carried.has(channel)) out.set(channel, { version, present: true, carried: true });
    // Records of earlier versions stored every changed value as an entry.
    else if (refs === undefined || refs.has(channel)) out.set(channel, { version, present: true, carried: false });
    else out.set(channel, { version, present: false, carried: false });
  }
  return out;
}
