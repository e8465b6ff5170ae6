import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

/** The fixture's thread "a" copied to `threads` threads `a-0`, `a-1`, … (keys renamed; no value names its thread). */
async function loadManyLegacyThreads(store: Store, threads: number): Promise<void> {
  for (const [domain, entries] of Object.entries(fixture)) {
    const own = entries.filter(([key]) => (key as readonly unknown[])[domain === 'checkpoint_writes' ? 0 : 1] === 'a');
    const at = domain === 'checkpoint_writes' ? 0 : 1;
    const kv = store.kv(domain, { codec: rawCodec });
    for (let i = 0; i < threads; i++)
      await kv.putMany(
        own.map(([key, value]) => {
          const renamed = [...(key as unknown[])];
          renamed[at] = `a-${i}`;
          return [renamed as Key, Buffer.from(value, 'base64')] as const;
        }),
      );
  }
}

const here = dirname(fileURLToPath(import.meta.url));

describe('a migration killed with SIGKILL', () => {
  it('is finished by the next saver: every thread whole, no old key left, whatever the moment of the kill', async () => {
    const threads = 150;
    const dataDir = await mkdtemp(join(tmpdir(), 'agentstore-migrate-kill-'));
    let cutMidway = 0;
    try {
      {
        const { store, destroy } = await openStore('sqlite', dataDir);
        await loadManyLegacyThreads(store, threads);
        await destroy();
      }
      // Three rounds, and up to three more while no kill has landed inside a migration (150 threads
      // migrate in tens of milliseconds on an idle machine, so the later rounds kill sooner).
      for (let round = 0; round < 6 && (round < 3 || cutMidway === 0); round++) {
        const child = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'migrate-worker.ts'), dataDir, 'sqlite'],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        const exited = new Promise((resolve) => child.once('exit', resolve));
        for await (const line of createInterface({ input: child.stdout })) {
          if (line !== 'start') continue;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * (round < 3 ? 150 : 30)));
          child.kill('SIGKILL');
          break;
        }
        await exited;
        const { store, destroy } = await openStore('sqlite', dataDir);
        try {
          const keys = await keysOf(store, 'checkpoints');
          const old = keys.filter((key) => typeof (key as unknown[])[1] === 'string').length;
          const moved = keys.length - old;
          if (old > 0 && moved > 0) cutMidway++;
          const saver = new AgentstoreSaver(store);
          for (const i of [0, Math.floor(threads / 2), threads - 1]) {
            const history = await collect(saver.list({ configurable: { thread_id: `a-${i}`, checkpoint_ns: '' } }));
            expect(history.map((t) => t.metadata?.step)).toEqual([2, 1, 0]);
            expect(history[0]?.checkpoint.channel_values).toEqual({ messages: ['hi', 'there', 'again'], big: 'x'.repeat(5000) });
            expect(history[0]?.pendingWrites).toEqual([['task-2', 'messages', 'write 2']]);
          }
          const after = await keysOf(store, 'checkpoints');
          expect(after.filter((key) => typeof (key as unknown[])[1] !== 'number')).toEqual([]);
          // Each thread: 4 records (3 root, 1 child) and 2 writes, none lost and none doubled.
          expect(after.filter((key) => (key as unknown[]).length === 4 && (key as unknown[])[1] === 1)).toHaveLength(4 * threads);
          expect(after.filter((key) => (key as unknown[]).length === 6)).toHaveLength(2 * threads);
          expect(await keysOf(store, 'checkpoint_writes')).toEqual([]);
          // Back to the old layout for the next round.
          await store.kv('checkpoints').clear();
          await loadManyLegacyThreads(store, threads);
        } finally {
          await destroy();
        }
      }
      // The kills did land inside migrations (else the rounds above proved nothing about a cut one).
      expect(cutMidway).toBeGreaterThan(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
