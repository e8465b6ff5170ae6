import type { Key, KvReader } from '@agentstore/core';
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
} from '@langchain/langgraph-checkpoint';
import { type StoredValue, type ValueRecord, type Version, valueKey } from './layout.js';
import type { Located, WriteRow } from './tuple-types.js';

/**
 * `TupleReader.tuples` for one checkpoint, synchronously inside the read that found it: what the
 * record carries is taken as it is, the channel values it refers to are read on the same snapshot.
 * Undefined when the tuple needs the asynchronous path: a value written through a serde (its
 * `loadsTyped` may be async), a record of an earlier version without `refs`, a checkpoint before
 * format v4 (its pending sends come from the parent's writes). No promise, array or callback is made
 * beyond the tuple itself: `getTuple` is the saver's hottest read.
 */
export function tupleNow(reader: KvReader<unknown>, found: Located): CheckpointTuple | undefined {
  const { thread, ns, id, record } = found;
  if (record.checkpoint.length !== 1 || record.metadata.length !== 1 || record.refs === undefined) return undefined;
  const checkpoint = record.checkpoint[0] as Checkpoint;
  if (record.parentId !== undefined && checkpoint.v < 4) return undefined;
  if (found.writes === undefined) return undefined;
  const values: Record<string, unknown> = {};
  const carried = record.values;
  if (carried !== undefined) {
    for (const [channel, stored] of carried) {
      if (stored.length !== 1) return undefined;
      values[channel] = stored[0];
    }
  }
  const refs = record.refs;
  if (refs.length > 0) {
    const versions = checkpoint.channel_versions ?? {};
    const keys: Key[] = [];
    for (const channel of refs) keys.push(valueKey(thread, ns, channel, versions[channel] as Version));
    const stored = reader.getMany(keys);
    for (let i = 0; i < refs.length; i++) {
      const value = stored[i] as ValueRecord | undefined;
      if (value === undefined || value === null) continue;
      if (value.length !== 1) return undefined;
      values[refs[i] as string] = value[0];
    }
  }
  const pendingWrites = pendingOf(found.writes);
  if (pendingWrites === undefined) return undefined;
  checkpoint.channel_values = values;
  const tuple: CheckpointTuple = {
    config: { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: id } },
    checkpoint,
    metadata: record.metadata[0] as CheckpointMetadata,
    pendingWrites,
  };
  if (record.parentId !== undefined)
    tuple.parentConfig = { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: record.parentId } };
  return tuple;
}

/** The pending writes in LangGraph's replay order, or undefined when one was written through a serde. */
function pendingOf(rows: WriteRow[]): CheckpointPendingWrite[] | undefined {
  const out: CheckpointPendingWrite[] = [];
  if (rows.length === 0) return out;
  if (rows.length > 1) rows.sort(byReplayOrder);
  for (const { taskId, record } of rows) {
    const stored: StoredValue = record.value;
    if (stored.length !== 1) return undefined;
    out.push([taskId, record.channel, stored[0]]);
  }
  return out;
}

function byReplayOrder(a: WriteRow, b: WriteRow): number {
  return compareWritesSortKeys(a.sort, b.sort);
}
