import type { Key, Store } from '@agentstore/core';
import { type Checkpoint, type CheckpointTuple, uuid6 } from '@langchain/langgraph-checkpoint';
import type { AgentstoreSaver } from '../../src/index.js';

type Values = Record<string, unknown>;

/** Puts a linear history in one thread/namespace: each step changes the channels it names. Returns the ids. */
export async function putHistory(saver: AgentstoreSaver, thread: string, steps: Values[], ns = ''): Promise<string[]> {
  const ids: string[] = [];
  const values: Values = {};
  const versions: Record<string, number> = {};
  let config = { configurable: { thread_id: thread, checkpoint_ns: ns } } as { configurable: Record<string, unknown> };
  for (const [step, changes] of steps.entries()) {
    const newVersions: Record<string, number> = {};
    for (const [channel, value] of Object.entries(changes)) {
      values[channel] = value;
      versions[channel] = saver.getNextVersion(versions[channel]);
      newVersions[channel] = versions[channel];
    }
    const checkpoint: Checkpoint = {
      v: 4,
      id: uuid6(-1),
      ts: new Date().toISOString(),
      channel_values: { ...values },
      channel_versions: { ...versions },
      versions_seen: {},
    };
    config = (await saver.put(config, checkpoint, { source: 'loop', step, parents: {} }, newVersions)) as typeof config;
    ids.push(checkpoint.id);
  }
  return ids;
}

/** Everything an async iterable yields. */
export async function collect(iterable: AsyncIterable<CheckpointTuple>): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const t of iterable) out.push(t);
  return out;
}

/** Every key of a domain (under `prefix`). */
export async function keysOf(store: Store, domain: string, prefix?: Key): Promise<Key[]> {
  const out: Key[] = [];
  for await (const key of store.kv(domain).keys(prefix === undefined ? undefined : { prefix })) out.push(key);
  return out;
}
