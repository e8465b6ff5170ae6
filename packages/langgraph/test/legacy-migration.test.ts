import { readFile } from 'node:fs/promises';
import { type Key, rawCodec, type Store } from '@agentstore/core';
import { type CheckpointTuple, uuid6 } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { openStore } from './support/stores.js';

/** Raw entries the saver of commit 973ee34 wrote (see `fixtures/generate-legacy.ts`). */
const fixture = JSON.parse(await readFile(new URL('./fixtures/legacy-layout.json', import.meta.url), 'utf8')) as Record<
  string,
  Array<[Key, string]>
>;

async function loadLegacy(store: Store): Promise<void> {
  for (const [domain, entries] of Object.entries(fixture))
    await store.kv(domain, { codec: rawCodec }).putMany(entries.map(([key, value]) => [key, Buffer.from(value, 'base64')] as const));
}

async function collect(iterable: AsyncIterable<CheckpointTuple>): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const t of iterable) out.push(t);
  return out;
}

async function keysOf(store: Store, domain: string): Promise<Key[]> {
  const out: Key[] = [];
  for await (const key of store.kv(domain).keys()) out.push(key);
  return out;
}

/** What the fixture's threads must read as, whichever layout they are stored in. */
async function expectFixtureContent(saver: AgentstoreSaver): Promise<void> {
  const history = await collect(saver.list({ configurable: { thread_id: 'a', checkpoint_ns: '' } }));
  expect(history.map((t) => t.metadata?.step)).toEqual([2, 1, 0]);
  const big = 'x'.repeat(5000);
  expect(history.map((t) => t.checkpoint.channel_values)).toEqual([
    { messages: ['hi', 'there', 'again'], big },
    { messages: ['hi', 'there'], big, gone: 1 },
    { messages: ['hi'], big, gone: 1 },
  ]);
  expect(history.map((t) => t.pendingWrites)).toEqual([[['task-2', 'messages', 'write 2']], [['task-1', 'messages', 'write 1']], []]);
  expect(history[0]?.parentConfig?.configurable?.checkpoint_id).toBe(history[1]?.checkpoint.id);
  const latest = await saver.getTuple({ configurable: { thread_id: 'a' } });
  expect(latest?.checkpoint.id).toBe(history[0]?.checkpoint.id);
  expect(latest?.pendingWrites).toEqual([['task-2', 'messages', 'write 2']]);
  const child = await saver.getTuple({ configurable: { thread_id: 'a', checkpoint_ns: 'child:1' } });
  expect(child?.checkpoint.channel_values).toEqual({ b: 1 });
  expect(await collect(saver.list({ configurable: { thread_id: 'a' } }))).toHaveLength(4);
  for (const thread of ['c', 't'])
    expect((await saver.getTuple({ configurable: { thread_id: thread } }))?.checkpoint.channel_values).toEqual({ n: thread });
}

describe.each(['memory', 'sqlite'] as const)('a store written by the previous layout, on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
    await loadLegacy(store);
  });
  afterEach(async () => destroy());

  it('reads as it was written, and is moved to thread-first keys by the first operation', async () => {
    expect((await keysOf(store, 'checkpoints')).every((key) => typeof (key as unknown[])[1] === 'string')).toBe(true);
    const saver = new AgentstoreSaver(store);
    await expectFixtureContent(saver);
    const keys = await keysOf(store, 'checkpoints');
    expect(keys.length).toBeGreaterThan(0);
    // Every key is now [thread, <number>, …]; the old writes domain is empty.
    expect(keys.filter((key) => typeof (key as unknown[])[1] !== 'number')).toEqual([]);
    expect(new Set(keys.map((key) => (key as string[])[0]))).toEqual(new Set(['a', 'c', 't']));
    expect(await keysOf(store, 'checkpoint_writes')).toEqual([]);
  });

  it('continues a migrated thread: a new checkpoint keeps the unchanged value the old version stored', async () => {
    const saver = new AgentstoreSaver(store);
    const latest = await saver.getTuple({ configurable: { thread_id: 'a', checkpoint_ns: '' } });
    const versions = { ...latest?.checkpoint.channel_versions, messages: 4 };
    const values = { ...latest?.checkpoint.channel_values, messages: ['four'] };
    const config = await saver.put(
      latest?.config ?? {},
      { v: 4, id: uuid6(-1), ts: '', channel_values: values, channel_versions: versions, versions_seen: {} },
      { source: 'loop', step: 3, parents: {} },
      { messages: 4 },
    );
    // A fresh saver knows nothing this process stored: the large value comes from the entry the old version wrote.
    const fresh = new AgentstoreSaver(store);
    const next = await fresh.getTuple(config);
    expect(next?.checkpoint.channel_values).toEqual({ messages: ['four'], big: 'x'.repeat(5000) });
    expect(next?.parentConfig?.configurable?.checkpoint_id).toBe(latest?.checkpoint.id);
  });

  it('redoes a migration cut short: old keys left behind are moved again without changing anything', async () => {
    await expectFixtureContent(new AgentstoreSaver(store));
    const migrated = await keysOf(store, 'checkpoints');
    // A crash after the copies and before the deletes leaves both layouts.
    await loadLegacy(store);
    await expectFixtureContent(new AgentstoreSaver(store));
    expect(await keysOf(store, 'checkpoints')).toEqual(migrated);
  });
});
