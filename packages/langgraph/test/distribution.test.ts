import type { Key } from '@agentstore/core';
import { type Checkpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';
import { AgentstoreSaver, type AgentstoreSaverOptions } from '../src/index.js';
import { openStore } from './support/stores.js';
import { spyWrites } from './support/write-spy.js';

/**
 * The property a distributed PostgreSQL (or any store sharded by a leading column) needs: every key
 * the saver writes or deletes starts with the thread id it belongs to, so a thread is one shard and no
 * operation of one thread touches another's keys.
 */
const THREADS = ['alpha', 'beta', 'copy-of-alpha'];

async function workload(saver: AgentstoreSaver): Promise<void> {
  for (const thread of THREADS.slice(0, 2)) {
    let config = { configurable: { thread_id: thread, checkpoint_ns: '' } } as Parameters<typeof saver.put>[0];
    for (let step = 0; step < 4; step++) {
      const checkpoint: Checkpoint = {
        v: 4,
        id: uuid6(-1),
        ts: '',
        channel_values: { messages: [`m${step}`], big: 'x'.repeat(5000 + step) },
        channel_versions: { messages: step + 1, big: step + 1 },
        versions_seen: {},
      };
      config = await saver.put(config, checkpoint, { source: 'loop', step, parents: {} }, { messages: step + 1, big: step + 1 });
      await saver.putWrites(config, [['messages', `w${step}`]], `task-${step}`);
      await saver.put(
        { configurable: { thread_id: thread, checkpoint_ns: 'child:1' } },
        { ...checkpoint, id: uuid6(-1) },
        { source: 'loop', step, parents: {} },
        { messages: step + 1 },
      );
    }
    await saver.getTuple({ configurable: { thread_id: thread } });
    for await (const _ of saver.list({ configurable: { thread_id: thread } }, { limit: 3 }));
  }
  await saver.copyThread('alpha', 'copy-of-alpha');
  await saver.prune('alpha', 1);
  await saver.sweepExpired();
  await saver.deleteThread('beta');
}

describe.each<[string, AgentstoreSaverOptions]>([
  ['default', {}],
  ['shallow', { shallow: true }],
  ['ttl', { ttl: { defaultTtlMs: 60_000 } }],
])('thread id first in every key (%s)', (_, options) => {
  it.each(['memory', 'sqlite'] as const)('on %s', async (adapter) => {
    const { store, destroy } = await openStore(adapter);
    try {
      const { store: spied, log } = spyWrites(store);
      await workload(new AgentstoreSaver(spied, options));
      expect(log.keys.length).toBeGreaterThan(50);
      const notThreadFirst = log.keys.filter(({ key }) => !(Array.isArray(key) && THREADS.includes(key[0] as string)));
      expect(notThreadFirst).toEqual([]);
      // What is left in the domain obeys it too, and each thread's keys are one contiguous range.
      const left: Key[] = [];
      for await (const key of store.kv('checkpoints').keys()) left.push(key);
      expect(left.length).toBeGreaterThan(0);
      const firsts = left.map((key) => (key as string[])[0]);
      expect(firsts.every((thread) => THREADS.includes(thread as string))).toBe(true);
      expect(firsts.filter((thread, i) => thread !== firsts[i - 1])).toEqual([...new Set(firsts)]);
    } finally {
      await destroy();
    }
  });
});
