import type { DomainStore, Key } from '@agentstore/core';
import type { ChannelVersions } from '@langchain/langgraph-checkpoint';
import { checkpointPrefix, isRecordKey, timeKey, type Version, valuesPrefix } from './layout.js';

/**
 * The keys a shallow `put` of `id` removes: every other checkpoint of the namespace with its writes
 * and index entry, and the value entries of the namespace at versions the new checkpoint does not have.
 */
export async function supersededKeys(
  checkpointBytes: DomainStore<Uint8Array>,
  thread: string,
  ns: string,
  id: string,
  versions: ChannelVersions,
): Promise<Key[]> {
  const doomed: Key[] = [];
  for await (const key of checkpointBytes.keys({ prefix: checkpointPrefix(thread, ns) })) {
    const other = (key as string[])[3] as string;
    if (other === id) continue;
    doomed.push(key);
    if (isRecordKey(key)) doomed.push(timeKey(thread, other, ns));
  }
  for await (const key of checkpointBytes.keys({ prefix: valuesPrefix(thread, ns) })) {
    const [, , , channel, version] = key as [string, number, string, string, Version];
    if (versions[channel] !== version) doomed.push(key);
  }
  return doomed;
}
