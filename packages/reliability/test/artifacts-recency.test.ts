/**
 * Issue 17 item 4: an artifacts `get` hit records its use in memory and the LRU index is written in
 * batches. Across processes: another process's hit is not in `lru()` before that process flushes, and
 * is after its `sync()`, its `close()` or its flush window. Under SIGKILL: a reader killed before its
 * flush loses only the recency of its window, never data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blobData, DOMAIN, isWhole } from './artifacts/blob-data.js';
import { multiProcessAdapters, persistentAdapters } from './harness/adapters.js';
import { killAllChildren, spawnChild } from './harness/child.js';
import { openStore, withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const KEYS = ['a', 'b', 'c', 'd'];
const SIZE = 50_000;
/** Longest wait for a window flush (core writes uses every second). */
const WINDOW_WAIT_MS = 10_000;

const dirs = new TempDirs();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const reader = (name: string, target: unknown, keys: readonly string[]) =>
  spawnChild(`artifacts-recency-${name}`, '../artifacts/recency-user.ts', { target, keys });

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('artifacts batched recency across processes: %s', (name, adapter) => {
  it("another process's hit shows in lru() after its sync() and its close(), not before", { timeout: 120_000 }, async () => {
    const target = adapter.target(dirs.make(`artifacts-recency-${name}`));
    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      for (const k of KEYS) await a.put(k, blobData(k, SIZE));
      expect(await a.lru()).toEqual(['a', 'b', 'c', 'd']);

      const child = reader(name, target, ['b', 'a']);
      await child.take('loaded', 60_000);
      child.send({ t: 'go' });
      await child.take('got');
      // The hits are in the child's memory only: the shared LRU index has not moved.
      expect(await a.lru()).toEqual(['a', 'b', 'c', 'd']);
      child.send({ t: 'sync' });
      await child.take('synced');
      expect(await a.lru()).toEqual(['c', 'd', 'b', 'a']);

      const closer = reader(name, target, ['c']);
      await closer.take('loaded', 60_000);
      closer.send({ t: 'go' });
      await closer.take('got');
      closer.send({ t: 'close' });
      await closer.take('closed');
      expect(await a.lru()).toEqual(['d', 'b', 'a', 'c']);
    } finally {
      await store.close();
    }
  });

  it("another process's hit shows in lru() after its flush window without sync()", { timeout: 120_000 }, async () => {
    const target = adapter.target(dirs.make(`artifacts-recency-window-${name}`));
    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      for (const k of KEYS) await a.put(k, blobData(k, SIZE));
      const child = reader(name, target, ['a']);
      await child.take('loaded', 60_000);
      child.send({ t: 'go' });
      await child.take('got');
      const t = Date.now();
      let order = await a.lru();
      while (order[3] !== 'a' && Date.now() - t < WINDOW_WAIT_MS) {
        await sleep(50);
        order = await a.lru();
      }
      expect(order).toEqual(['b', 'c', 'd', 'a']);
    } finally {
      await store.close();
    }
  });
});

describe.each(persistentAdapters.map((a) => [a.name, a] as const))('artifacts batched recency under SIGKILL: %s', (name, adapter) => {
  it('a reader killed before its flush loses only its recency: every blob whole, the order as last written', {
    timeout: 120_000,
  }, async () => {
    const target = adapter.target(dirs.make(`artifacts-recency-kill-${name}`));
    await withStore(target, async (store) => {
      const a = store.artifacts(DOMAIN);
      for (const k of KEYS) await a.put(k, blobData(k, SIZE));
      await a.get('c'); // written by close(): the order the reader starts from
    });
    const child = reader(name, target, ['a', 'b']);
    await child.take('loaded', 60_000);
    child.send({ t: 'go' });
    await child.take('got');
    await child.kill();
    await withStore(target, async (store) => {
      const a = store.artifacts(DOMAIN);
      expect(await a.lru()).toEqual(['a', 'b', 'd', 'c']);
      for (const k of KEYS) {
        const bytes = await a.get(k);
        expect(bytes !== undefined && bytes.byteLength === SIZE && isWhole(k, bytes), k).toBe(true);
      }
      const audit = await a.audit();
      expect(audit).toMatchObject({ count: 4, usedBytes: 4 * SIZE, liveBytes: 4 * SIZE, chunkBytes: 4 * SIZE, orphanBlobs: 0 });
    });
  });
});
