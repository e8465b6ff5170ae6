import { isStoreError, type Store } from '@agentstore/core';
import { type Checkpoint, type CheckpointTuple, ERROR, INTERRUPT, uuid6 } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { collect, putHistory } from './support/history.js';
import { spyStore } from './support/spy-store.js';
import { ADAPTERS, openStore } from './support/stores.js';

async function count(store: Store, domain: string): Promise<number> {
  return store.kv(domain).count();
}

/** Entries of one kind in the checkpoints domain: the number second in `[thread, kind, …]` (see `layout.ts`). */
async function ofKind(store: Store, kind: number, domain = 'checkpoints'): Promise<number> {
  let n = 0;
  for await (const key of store.kv(domain).keys()) if ((key as unknown[])[1] === kind) n++;
  return n;
}

/** Channel values stored as entries of their own. */
async function values(store: Store, domain = 'checkpoints'): Promise<number> {
  return ofKind(store, 3, domain);
}

/** Pending writes stored (next to their records: `[thread, 1, ns, id, taskId, idx]`). */
async function writes(store: Store, domain = 'checkpoints'): Promise<number> {
  let n = 0;
  for await (const key of store.kv(domain).keys()) if ((key as unknown[]).length === 6) n++;
  return n;
}

describe.each(ADAPTERS)('AgentstoreSaver on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  let saver: AgentstoreSaver;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
    saver = new AgentstoreSaver(store);
  });
  afterEach(async () => destroy());

  it('carries small values in the record, stores a large one once per version, and finds unchanged ones', async () => {
    const big = 'x'.repeat(10_000);
    await putHistory(saver, 't', [{ messages: ['hi'], big }]);
    expect(await values(store)).toBe(1);
    const ids = await putHistory(saver, 't2', [{ messages: ['hi'], big }, { messages: ['hi', 'there'] }]);
    expect(await values(store)).toBe(2);
    const latest = await saver.getTuple({ configurable: { thread_id: 't2' } });
    expect(latest?.checkpoint.channel_values).toEqual({ messages: ['hi', 'there'], big });
    // A process that did not write the thread continues it: the parent record says how each unchanged value was stored.
    const other = new AgentstoreSaver(store);
    const versions = { ...latest?.checkpoint.channel_versions, n: 1 };
    const next = await other.put(
      latest?.config ?? {},
      {
        v: 4,
        id: uuid6(-1),
        ts: '',
        channel_values: { ...latest?.checkpoint.channel_values, n: 1 },
        channel_versions: versions,
        versions_seen: {},
      },
      { source: 'loop', step: 2, parents: {} },
      { n: 1 },
    );
    expect(await values(store)).toBe(2);
    expect((await new AgentstoreSaver(store).getTuple(next))?.checkpoint.channel_values).toEqual({ messages: ['hi', 'there'], big, n: 1 });
    expect((await other.getTuple({ configurable: { thread_id: 't2', checkpoint_id: ids[0] } }))?.checkpoint.channel_values).toEqual({
      messages: ['hi'],
      big,
    });
  });

  it('keeps both branches of a fork apart: channel versions never collide', async () => {
    const put = (parent: Parameters<typeof saver.put>[0], value: string, version: number) =>
      saver.put(
        parent,
        { v: 4, id: uuid6(-1), ts: '', channel_values: { a: value }, channel_versions: { a: version }, versions_seen: {} },
        { source: 'loop', step: 0, parents: {} },
        { a: version },
      );
    const v0 = saver.getNextVersion(undefined);
    const root = await put({ configurable: { thread_id: 't' } }, 'root', v0);
    const left = await put(root, 'left', saver.getNextVersion(v0));
    const right = await put(root, 'right', saver.getNextVersion(v0)); // replaying from root: same parent version
    expect((await saver.getTuple(left))?.checkpoint.channel_values).toEqual({ a: 'left' });
    expect((await saver.getTuple(right))?.checkpoint.channel_values).toEqual({ a: 'right' });
  });

  it('stores a channel emptied at a version as absent', async () => {
    const checkpoint: Checkpoint = { v: 4, id: uuid6(-1), ts: '', channel_values: {}, channel_versions: { gone: 2 }, versions_seen: {} };
    const config = await saver.put({ configurable: { thread_id: 't' } }, checkpoint, { source: 'loop', step: 0, parents: {} }, { gone: 2 });
    expect((await saver.getTuple(config))?.checkpoint.channel_values).toEqual({});
  });

  it('lists newest first with before, limit and filter, per namespace or across them', async () => {
    const root = await putHistory(saver, 't', [{ a: 1 }, { a: 2 }, { a: 3 }]);
    const child = await putHistory(saver, 't', [{ b: 1 }, { b: 2 }], 'child:1');
    const ids = (tuples: CheckpointTuple[]) => tuples.map((t) => t.checkpoint.id);
    expect(ids(await collect(saver.list({ configurable: { thread_id: 't', checkpoint_ns: '' } })))).toEqual([...root].reverse());
    expect(ids(await collect(saver.list({ configurable: { thread_id: 't' } })))).toEqual([...root, ...child].sort().reverse());
    const before = { configurable: { checkpoint_id: root[2] } };
    expect(ids(await collect(saver.list({ configurable: { thread_id: 't', checkpoint_ns: '' } }, { before, limit: 1 })))).toEqual([
      root[1],
    ]);
    expect(ids(await collect(saver.list({ configurable: { thread_id: 't', checkpoint_ns: '' } }, { filter: { step: 0 } })))).toEqual([
      root[0],
    ]);
    expect(ids(await collect(saver.list({ configurable: { thread_id: 't' } }, { filter: { step: 1 } })))).toEqual([child[1], root[1]]);
    expect(ids(await collect(saver.list({ configurable: {} }, { limit: 2 })))).toEqual([...root, ...child].sort().reverse().slice(0, 2));
    const tuple = (await collect(saver.list({ configurable: { thread_id: 't', checkpoint_ns: 'child:1' } }, { limit: 1 })))[0];
    expect(tuple?.checkpoint.channel_values).toEqual({ b: 2 });
    expect(tuple?.parentConfig?.configurable?.checkpoint_id).toBe(child[0]);
  });

  it('lists a thread without a namespace newest first, whether it has only the root namespace or more', async () => {
    const root = await putHistory(
      saver,
      't',
      Array.from({ length: 70 }, (_, i) => ({ step: i })),
    );
    const ids = (tuples: CheckpointTuple[]) => tuples.map((t) => t.checkpoint.id);
    const anyNs = { configurable: { thread_id: 't' } };
    expect(ids(await collect(saver.list(anyNs)))).toEqual([...root].reverse());
    expect(ids(await collect(saver.list(anyNs, { limit: 66 })))).toEqual([...root].reverse().slice(0, 66));
    expect(ids(await collect(saver.list(anyNs, { filter: { step: 3 } })))).toEqual([root[3]]);
    const child = await putHistory(saver, 't', [{ b: 1 }], 'child:1');
    expect(ids(await collect(saver.list(anyNs, { limit: 3 })))).toEqual([child[0], root[69], root[68]]);
  });

  it('returns pending writes by task path, task id and index; special writes replace, regular ones are kept', async () => {
    const [id] = await putHistory(saver, 't', [{ a: 1 }]);
    const config = { configurable: { thread_id: 't', checkpoint_ns: '', checkpoint_id: id } };
    await saver.putWrites(
      config,
      [
        ['a', 'b1'],
        ['a', 'b2'],
      ],
      'task-b',
      '~0:b',
    );
    await saver.putWrites(config, [['a', 'c1']], 'task-c', '~0:a');
    await saver.putWrites(config, [['a', 'z1']], 'task-z');
    await saver.putWrites(config, [[ERROR, { message: 'first' }]], 'task-b', '~0:b');
    // A retried task: its regular write stays as first stored, its special write is replaced.
    await saver.putWrites(
      config,
      [
        ['a', 'b1-retry'],
        [ERROR, { message: 'second' }],
        [INTERRUPT, 'wait'],
      ],
      'task-b',
      '~0:b',
    );
    const writes = (await saver.getTuple(config))?.pendingWrites;
    expect(writes).toEqual([
      ['task-z', 'a', 'z1'], // no task path sorts first
      ['task-c', 'a', 'c1'],
      ['task-b', INTERRUPT, 'wait'], // idx -3
      ['task-b', ERROR, { message: 'second' }], // idx -1
      ['task-b', 'a', 'b1'],
      ['task-b', 'a', 'b2'],
    ]);
  });

  it('returns a pending write larger than 64 KiB with the newest checkpoint (a large value in the one range read)', async () => {
    const [id] = await putHistory(saver, 't', [{ a: 1 }]);
    const config = { configurable: { thread_id: 't', checkpoint_ns: '' } };
    const big = 'x'.repeat(100_000);
    await saver.putWrites({ configurable: { ...config.configurable, checkpoint_id: id } }, [['a', big]], 'task');
    const tuple = await saver.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([['task', 'a', big]]);
    expect((await collect(saver.list(config)))[0]?.pendingWrites).toEqual([['task', 'a', big]]);
  });

  it('list and getTuple read a page at a time, never the whole thread', async () => {
    const ids = await putHistory(
      saver,
      'long',
      Array.from({ length: 300 }, (_, i) => ({ step: i })),
    );
    const spied = spyStore(store);
    const reader = new AgentstoreSaver(spied.store);
    const latest = await reader.getTuple({ configurable: { thread_id: 'long' } });
    expect(latest?.checkpoint.id).toBe(ids[299]);
    const firstTwo = await collect(reader.list({ configurable: { thread_id: 'long', checkpoint_ns: '' } }, { limit: 2 }));
    expect(firstTwo.map((t) => t.checkpoint.id)).toEqual([ids[299], ids[298]]);
    await collect(
      reader.list({ configurable: { thread_id: 'long' } }, { limit: 2, before: { configurable: { checkpoint_id: ids[100] } } }),
    );
    const recordReads = spied.log.ranges.filter((r) => r.domain === 'checkpoints');
    // Each read is a page, or the span of a page's ids in one namespace (bounded on both sides).
    const bounded = (r: (typeof recordReads)[number]) =>
      (r.range?.limit !== undefined && r.range.limit <= 64) || (r.range?.gte !== undefined && r.range.lt !== undefined);
    expect(recordReads.every(bounded)).toBe(true);
    // The latest, two of the namespace, two index entries and the span of their two records.
    expect(recordReads.reduce((n, r) => n + r.returned, 0)).toBeLessThanOrEqual(1 + 2 + 2 + 2);
    // A filter scans, but page by page and only as far as it needs.
    spied.log.ranges.length = 0;
    const filtered = await collect(
      reader.list({ configurable: { thread_id: 'long', checkpoint_ns: '' } }, { filter: { step: 290 }, limit: 1 }),
    );
    expect(filtered.map((t) => t.checkpoint.id)).toEqual([ids[290]]);
    expect(spied.log.ranges.filter((r) => r.domain === 'checkpoints').reduce((n, r) => n + r.returned, 0)).toBeLessThanOrEqual(64);
  });

  it('prunes old checkpoints with their writes and the channel values nothing kept needs', async () => {
    // Large values, so that each is a value entry of its own.
    const large = (v: string | number) => String(v).repeat(3000);
    const ids = await putHistory(saver, 't', [
      { a: large(1), keep: large('k') },
      { a: large(2) },
      { a: large(3) },
      { a: large(4) },
      { a: large(5) },
    ]);
    await saver.putWrites({ configurable: { thread_id: 't', checkpoint_ns: '', checkpoint_id: ids[0] } }, [['a', 9]], 'task');
    await putHistory(saver, 'other', [{ a: large(1) }]);
    expect(await saver.prune('t', 2)).toBe(3);
    expect((await collect(saver.list({ configurable: { thread_id: 't' } }))).map((t) => t.checkpoint.id)).toEqual([ids[4], ids[3]]);
    expect((await saver.getTuple({ configurable: { thread_id: 't' } }))?.checkpoint.channel_values).toEqual({
      a: large(5),
      keep: large('k'),
    });
    expect((await saver.getTuple({ configurable: { thread_id: 't', checkpoint_id: ids[3] } }))?.checkpoint.channel_values).toEqual({
      a: large(4),
      keep: large('k'),
    });
    // Left: a@4, a@5, keep@1 of thread t, and the other thread's a@1.
    expect(await values(store)).toBe(4);
    expect(await writes(store)).toBe(0);
  });

  it('copies a thread, and refuses to copy onto one that has checkpoints', async () => {
    const ids = await putHistory(saver, 'from', [{ a: 1 }, { a: 2 }]);
    await saver.putWrites({ configurable: { thread_id: 'from', checkpoint_ns: '', checkpoint_id: ids[1] } }, [['a', 3]], 'task');
    await saver.copyThread('from', 'to');
    const copy = await collect(saver.list({ configurable: { thread_id: 'to' } }));
    const original = await collect(saver.list({ configurable: { thread_id: 'from' } }));
    const strip = (t: CheckpointTuple) => ({ ...t, config: undefined, parentConfig: t.parentConfig?.configurable?.checkpoint_id });
    expect(copy.map(strip)).toEqual(original.map(strip));
    expect(copy[0]?.config.configurable?.thread_id).toBe('to');
    await expect(saver.copyThread('from', 'to')).rejects.toSatisfy((err) => isStoreError(err, 'CONFLICT'));
  });

  it('lists a thread across namespaces newest first: root records merged with the index, each once', async () => {
    // Root-namespace checkpoints have no time index entry; those an earlier version indexed must not come twice.
    const made: Array<[string, string]> = [];
    for (let i = 0; i < 12; i++) {
      const ns = i % 3 === 0 ? 'sub:1' : i % 4 === 1 ? 'sub:2' : '';
      const [id] = await putHistory(saver, 't', [{ i }], ns);
      made.push([id as string, ns]);
    }
    const rootIds = made.filter(([, ns]) => ns === '').map(([id]) => id);
    await store.kv('checkpoints').putMany(rootIds.slice(0, 3).map((id) => [['t', 2, id, ''], 0] as const));
    const newestFirst = [...made].reverse();
    const listed = async (options?: { limit?: number; before?: string }, id?: string) =>
      (
        await collect(
          saver.list(
            { configurable: { thread_id: 't', ...(id === undefined ? {} : { checkpoint_id: id }) } },
            {
              ...(options?.limit === undefined ? {} : { limit: options.limit }),
              ...(options?.before === undefined ? {} : { before: { configurable: { checkpoint_id: options.before } } }),
            },
          ),
        )
      ).map((t) => [t.checkpoint.id, t.config.configurable?.checkpoint_ns]);
    expect(await listed()).toEqual(newestFirst);
    expect(await listed({ limit: 5 })).toEqual(newestFirst.slice(0, 5));
    const [middle] = newestFirst[6] as [string, string];
    expect(await listed({ before: middle })).toEqual(newestFirst.slice(7));
    expect(await listed({ before: middle, limit: 2 })).toEqual(newestFirst.slice(7, 9));
    for (const [id, ns] of [made[0], made[1], made[2]] as Array<[string, string]>) expect(await listed({}, id)).toEqual([[id, ns]]);
  });

  it('deletes a thread with its writes and channel values, leaving other threads alone', async () => {
    const large = (v: number) => String(v).repeat(3000);
    const ids = await putHistory(saver, 'gone', [{ a: large(1) }, { a: large(2) }], '');
    await putHistory(saver, 'gone', [{ b: 1 }], 'sub:1');
    await saver.putWrites({ configurable: { thread_id: 'gone', checkpoint_ns: '', checkpoint_id: ids[1] } }, [['a', 3]], 'task');
    await putHistory(saver, 'kept', [{ a: large(1) }]);
    await saver.deleteThread('gone');
    expect(await collect(saver.list({ configurable: { thread_id: 'gone' } }))).toEqual([]);
    expect(await values(store)).toBe(1);
    expect(await writes(store)).toBe(0);
    expect(await count(store, 'checkpoints')).toBe(1 + 1); // kept's record (root namespace: no index entry) and its value
  });
});

describe('AgentstoreSaver options', () => {
  it('rejects unknown options and domains that coincide', async () => {
    const { store, destroy } = await openStore('memory');
    try {
      expect(() => new AgentstoreSaver(store, { checkpoint: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      expect(() => new AgentstoreSaver(store, { writes: 'checkpoints' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      expect(() => new AgentstoreSaver(store, { heads: 'Bad-Name' })).toThrow(expect.objectContaining({ code: 'INVALID_DOMAIN' }));
      // Channel values moved into the checkpoints domain; the option that routed them says so.
      expect(() => new AgentstoreSaver(store, { blobs: 'lg_values' } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/"blobs" is gone/) }),
      );
    } finally {
      await destroy();
    }
  });

  it('puts each kind of data in the domain it is routed to', async () => {
    const { store, destroy } = await openStore('memory');
    try {
      await store.configureDomain('lg_records', { adapter: 'sqlite' });
      await store.configureDomain('lg_writes', { adapter: 'level' });
      await store.configureDomain('lg_heads', { adapter: 'lmdb' });
      const saver = new AgentstoreSaver(store, {
        checkpoints: 'lg_records',
        writes: 'lg_writes',
        heads: 'lg_heads',
        exclusiveThreads: true,
      });
      const [id] = await putHistory(saver, 't', [{ a: 1 }]);
      await saver.putWrites({ configurable: { thread_id: 't', checkpoint_ns: '', checkpoint_id: id } }, [['a', 2]], 'task');
      const stats = new Map((await store.stats()).map((s) => [s.domain, s]));
      // Record (carrying the small channel value) and the pending write: a thread is one key region, and
      // a root-namespace checkpoint has no time index entry.
      expect(stats.get('lg_records')).toMatchObject({ adapter: 'sqlite', records: 2 });
      // The writes domain is only read, to migrate what earlier versions left there.
      expect(stats.get('lg_writes')?.records ?? 0).toBe(0);
      expect(stats.get('lg_heads')).toMatchObject({ adapter: 'lmdb' });
    } finally {
      await destroy();
    }
  });
});
