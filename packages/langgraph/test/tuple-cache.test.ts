import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, rawCodec, type Store } from '@agentstore/core';
import type { CheckpointTuple } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloneDecoded, UNCLONED } from '../src/clone-decoded.js';
import { AgentstoreSaver } from '../src/index.js';
import { putHistory } from './support/history.js';
import { ADAPTERS, openStore } from './support/stores.js';

const here = dirname(fileURLToPath(import.meta.url));
const latest = { configurable: { thread_id: 't', checkpoint_ns: '' } };

/** Reads the newest tuple of thread `t` three times: the third comes from the cache. */
async function cached(saver: AgentstoreSaver): Promise<CheckpointTuple | undefined> {
  await saver.getTuple(latest);
  await saver.getTuple(latest);
  return saver.getTuple(latest);
}

/** The `read` calls the store's kv handles make while `fn` runs. */
async function readsDuring(store: Store, fn: () => Promise<unknown>): Promise<number> {
  const proto = Object.getPrototypeOf(store.kv('checkpoints')) as { read(fn: unknown): Promise<unknown> };
  const spy = vi.spyOn(proto, 'read');
  try {
    await fn();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe.each(ADAPTERS)('getTuple tuple cache on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
  });
  afterEach(async () => destroy());

  it('hands out a fresh tuple each time: changing one changes neither the cache nor the next', async () => {
    const saver = new AgentstoreSaver(store);
    const ids = await putHistory(saver, 't', [
      { messages: [{ role: 'user', content: 'hi' }], when: new Date(5) },
      { step: 1 },
      { big: 'x'.repeat(5000) },
    ]);
    await saver.putWrites({ configurable: { ...latest.configurable, checkpoint_id: ids[2] } }, [['messages', { n: 1 }]], 'task');
    const first = await cached(saver);
    const snapshot = structuredClone(first);
    const second = (await saver.getTuple(latest)) as CheckpointTuple;
    expect(second).toEqual(snapshot);
    expect(second).not.toBe(first);
    const values = second.checkpoint.channel_values as Record<string, unknown>;
    (values.messages as unknown[]).push('mutated');
    (values.when as Date).setTime(0);
    values.big = 'changed';
    (second.metadata as Record<string, unknown>).step = 99;
    (second.config.configurable as Record<string, unknown>).checkpoint_id = 'other';
    (second.pendingWrites as unknown[][])[0]?.push('extra');
    const third = (await saver.getTuple(latest)) as CheckpointTuple;
    expect(third).toEqual(snapshot);
    expect((third.checkpoint.channel_values as Record<string, unknown>).when).toBeInstanceOf(Date);
  });

  it('reads a checkpoint too large to keep (writes of 80 KB) afresh each time', async () => {
    const saver = new AgentstoreSaver(store);
    const [id] = await putHistory(saver, 't', [{ messages: ['a'] }]);
    const writes = Array.from({ length: 8 }, (_, i) => ['messages', 'w'.repeat(10_000) + i] as [string, unknown]);
    await saver.putWrites({ configurable: { ...latest.configurable, checkpoint_id: id } }, writes, 'task');
    const first = await cached(saver);
    expect(first?.pendingWrites).toHaveLength(8);
    (first?.pendingWrites as unknown[]).length = 0;
    expect((await saver.getTuple(latest))?.pendingWrites).toHaveLength(8);
  });

  it('sees what another saver on the same store writes after the tuple was cached', async () => {
    const reader = new AgentstoreSaver(store);
    const writer = new AgentstoreSaver(store);
    await putHistory(writer, 't', [{ messages: ['a'] }]);
    const before = await cached(reader);
    await writer.putWrites(before?.config ?? latest, [['messages', 'w']], 'task');
    expect((await reader.getTuple(latest))?.pendingWrites).toEqual([['task', 'messages', 'w']]);
    await cached(reader);
    await putHistory(writer, 't', [{ messages: ['b'] }]);
    expect((await reader.getTuple(latest))?.checkpoint.channel_values).toEqual({ messages: ['b'] });
    const id = (await reader.getTuple(latest))?.config.configurable?.checkpoint_id;
    const byId = { configurable: { ...latest.configurable, checkpoint_id: id } };
    await reader.getTuple(byId);
    await reader.getTuple(byId);
    await writer.deleteThread('t');
    expect(await reader.getTuple(byId)).toBeUndefined();
    expect(await reader.getTuple(latest)).toBeUndefined();
  });
});

describe.each(['lmdb', 'sqlite'] as const)('getTuple tuple cache on %s: an unchanged read token skips the read', (adapter) => {
  /** Where the migration test moves the domain. */
  const elsewhere = adapter === 'lmdb' ? 'sqlite' : 'lmdb';
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-tuple-token-'));
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('hands out the cached tuple without a read until anything is written, by this saver or another', async () => {
    const { store, destroy } = await openStore(adapter, dataDir);
    try {
      const saver = new AgentstoreSaver(store);
      const other = new AgentstoreSaver(store);
      const [id] = await putHistory(saver, 't', [{ messages: ['a'] }]);
      await cached(saver);
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(0);
      expect((await saver.getTuple(latest))?.checkpoint.channel_values).toEqual({ messages: ['a'] });
      const at = { configurable: { ...latest.configurable, checkpoint_id: id } };
      await saver.putWrites(at, [['messages', 'own']], 'task');
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(1);
      expect((await saver.getTuple(latest))?.pendingWrites).toEqual([['task', 'messages', 'own']]);
      await cached(saver);
      await other.putWrites(at, [['messages', 'other']], 'task2');
      expect((await saver.getTuple(latest))?.pendingWrites).toHaveLength(2);
      await cached(saver);
      await putHistory(other, 't', [{ messages: ['b'] }]);
      expect((await saver.getTuple(latest))?.checkpoint.channel_values).toEqual({ messages: ['b'] });
      await cached(saver);
      await saver.getTuple(at);
      expect((await saver.getTuple(at))?.checkpoint.channel_values).toEqual({ messages: ['a'] });
      expect(await readsDuring(store, () => saver.getTuple(at))).toBe(0);
      expect(await other.prune('t', 1)).toBe(1);
      expect(await saver.getTuple(at)).toBeUndefined();
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['b'] });
      await other.deleteThread('t');
      expect(await saver.getTuple(latest)).toBeUndefined();
      expect(await saver.getTuple(at)).toBeUndefined();
    } finally {
      await destroy();
    }
  });

  it('sees what another store of this process on the same data directory writes', async () => {
    const { store, destroy } = await openStore(adapter, dataDir);
    const second = await openStore(adapter, dataDir);
    try {
      const saver = new AgentstoreSaver(store);
      const [id] = await putHistory(saver, 't', [{ messages: ['a'] }]);
      await cached(saver);
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(0);
      const at = { configurable: { ...latest.configurable, checkpoint_id: id } };
      await new AgentstoreSaver(second.store).putWrites(at, [['messages', 'second']], 'task');
      expect((await saver.getTuple(latest))?.pendingWrites).toEqual([['task', 'messages', 'second']]);
    } finally {
      await second.destroy();
      await destroy();
    }
  });

  it('reads again once the domain holds entries with a TTL (they expire without a write)', async () => {
    const { store, destroy } = await openStore(adapter, dataDir);
    try {
      const saver = new AgentstoreSaver(store);
      await putHistory(saver, 't', [{ messages: ['a'] }]);
      await cached(saver);
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(0);
      await store.kv('checkpoints').put(['zz-ttl'], 1, { ttlMs: 60_000 });
      expect(store.kv('checkpoints', { codec: rawCodec }).readToken()).toBeUndefined();
      await saver.getTuple(latest);
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(1);
    } finally {
      await destroy();
    }
  });

  it('with a thread TTL, a thread whose time passed is gone without any write', async () => {
    const { store, destroy } = await openStore(adapter, dataDir);
    try {
      let now = 1_000_000;
      const saver = new AgentstoreSaver(store, { ttl: { defaultTtlMs: 1000 }, clock: () => now });
      await putHistory(saver, 't', [{ messages: ['a'] }]);
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['a'] });
      now += 1000;
      expect(await saver.getTuple(latest)).toBeUndefined();
      await saver.close();
    } finally {
      await destroy();
    }
  });

  it('sees writes acknowledged in fast durability at once (no number while any are queued)', async () => {
    const store = await createStore({
      dataDir,
      adapters: [lmdbAdapter, sqliteAdapter],
      default: { adapter, options: { durability: 'fast', fastWindowMs: 60_000 } },
    });
    try {
      const saver = new AgentstoreSaver(store);
      const [id] = await putHistory(saver, 't', [{ messages: ['a'] }]);
      await cached(saver);
      await saver.putWrites({ configurable: { ...latest.configurable, checkpoint_id: id } }, [['messages', 'queued']], 'task');
      expect((await saver.getTuple(latest))?.pendingWrites).toEqual([['task', 'messages', 'queued']]);
      await putHistory(saver, 't', [{ messages: ['b'] }]);
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['b'] });
    } finally {
      await store.close();
    }
  });

  it('follows the domain when a migration moves it to another adapter', async () => {
    const { store, destroy } = await openStore(adapter, dataDir);
    try {
      const saver = new AgentstoreSaver(store);
      await putHistory(saver, 't', [{ messages: ['a'] }]);
      await cached(saver);
      await store.migrateDomain('checkpoints', { adapter: elsewhere });
      expect(store.kv('checkpoints', { codec: rawCodec }).readToken()).toBeUndefined();
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['a'] });
      await putHistory(saver, 't', [{ messages: ['b'] }]);
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['b'] });
    } finally {
      await destroy();
    }
  });

  it('rejects with CLOSED once the store closed, cached or not', async () => {
    const { store } = await openStore(adapter, dataDir);
    const saver = new AgentstoreSaver(store);
    await putHistory(saver, 't', [{ messages: ['a'] }]);
    await cached(saver);
    await store.close();
    await expect(saver.getTuple(latest)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe.each(['sqlite', 'lmdb'] as const)('getTuple tuple cache with another process writing on %s', (adapter) => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `agentstore-tuple-cache-${adapter}-`));
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  async function child(mode: 'writes' | 'replace', payload: string): Promise<void> {
    const proc = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'cache-writer.ts'), dataDir, adapter, 't', mode, payload],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    expect(code).toBe(0);
  }

  async function recordBytes(store: Store): Promise<Uint8Array | undefined> {
    const rows = await store.kv('checkpoints', { codec: rawCodec }).read((r) => r.entries({ prefix: ['t', 1, ''] }));
    return rows.find(([key]) => (key as unknown[]).length === 4)?.[1];
  }

  it('reads its pending writes and a channel value rewritten under the same key', async () => {
    const { store } = await openStore(adapter, dataDir);
    try {
      const saver = new AgentstoreSaver(store);
      await putHistory(saver, 't', [{ messages: ['a'], big: 'o'.repeat(3000) }]);
      const record = await recordBytes(store);
      expect((await cached(saver))?.checkpoint.channel_values).toEqual({ messages: ['a'], big: 'o'.repeat(3000) });
      // Cached under an unchanged read token: only a change the token shows makes it read again.
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(0);
      await child('replace', 'n');
      // The record is byte for byte the same: only the value entry it refers to changed.
      expect(await recordBytes(store)).toEqual(record);
      expect((await saver.getTuple(latest))?.checkpoint.channel_values).toEqual({ messages: ['a'], big: 'n'.repeat(3000) });
      expect((await cached(saver))?.pendingWrites).toEqual([]);
      expect(await readsDuring(store, () => saver.getTuple(latest))).toBe(0);
      await child('writes', 'from-child');
      const after = await saver.getTuple(latest);
      expect(after?.pendingWrites).toEqual([['task-child', 'messages', 'from-child']]);
      expect(after?.checkpoint.channel_values).toEqual({ messages: ['a'], big: 'n'.repeat(3000) });
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('cloneDecoded', () => {
  it('copies what the default codec decodes, and refuses anything else', () => {
    const value = { a: [1, 'x', null, undefined, 2n], d: new Date(3), m: new Map([[{ k: 1 }, new Set([1])]]) };
    Object.defineProperty(value, '__proto__', { value: { own: true }, enumerable: true, configurable: true, writable: true });
    const copy = cloneDecoded(value) as typeof value;
    expect(copy).toEqual(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy.d).not.toBe(value.d);
    expect(cloneDecoded({ a: [new Uint8Array(2)] })).toBe(UNCLONED);
    expect(cloneDecoded({ a: new (class X {})() })).toBe(UNCLONED);
  });

  it('copies own keys only while something enumerable sits on Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      const copy = cloneDecoded({ a: { b: 1 } }) as Record<string, Record<string, unknown>>;
      expect(Object.keys(copy)).toEqual(['a']);
      expect(Object.keys(copy.a as object)).toEqual(['b']);
    } finally {
      delete proto.polluted;
    }
  });
});
