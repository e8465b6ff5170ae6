import type { Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentstoreStore, type AgentstoreStoreOptions } from '../src/index.js';
import { DIMS, embedText } from './support/embeddings.js';
import { openStore } from './support/stores.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

// The stores' clock: tests move it; engines and timers keep real time.
let now = Date.now();

function advance(ms: number): void {
  now += ms;
}

function storeOn(store: Store, options: AgentstoreStoreOptions = {}): AgentstoreStore {
  return new AgentstoreStore(store, { ...options, clock: () => now });
}

describe.each(['memory', 'sqlite', 'lmdb', 'level'] as const)('AgentstoreStore item TTL on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  const raw = () => store.kv('langgraph_store').count();
  beforeEach(async () => {
    now = Date.now();
    ({ store, destroy } = await openStore(adapter));
  });
  afterEach(async () => {
    await destroy();
  });

  it('hides an expired item at once from get, search and listNamespaces', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1, refreshOnRead: false } });
    await items.put(['a'], 'default', { v: 1 });
    await items.put(['a'], 'forever', { v: 2 }, undefined, { ttl: null });
    await items.put(['b'], 'short', { v: 3 }, undefined, { ttl: 0.5 });
    await items.put(['c', 'd'], 'long', { v: 4 }, undefined, { ttl: 2 });
    const keys = async (prefix: string[]) => (await items.search(prefix, { limit: 100 })).map((i) => i.key);
    expect(await keys([])).toEqual(['default', 'forever', 'short', 'long']);
    advance(29 * SECOND);
    expect(await items.get(['b'], 'short')).not.toBeNull();
    advance(2 * SECOND);
    expect(await items.get(['b'], 'short')).toBeNull();
    expect(await keys(['b'])).toEqual([]);
    expect(await items.listNamespaces()).toEqual([['a'], ['c', 'd']]);
    advance(30 * SECOND);
    expect(await items.get(['a'], 'default')).toBeNull();
    expect(await keys([])).toEqual(['forever', 'long']);
    expect(await items.search(['a'], { filter: { v: 1 } })).toEqual([]);
    expect(await items.listNamespaces({ maxDepth: 1 })).toEqual([['a'], ['c']]);
    advance(MINUTE);
    expect(await keys([])).toEqual(['forever']);
    expect(await items.listNamespaces()).toEqual([['a']]);
    // Invisible is not deleted: the sweep does that.
    expect(await raw()).toBeGreaterThan(4);
  });

  it('refreshes on read by the item\u2019s own ttl, in a record of its own; refreshTtl overrides the config', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1 } });
    await items.put(['n'], 'read', { v: 1 });
    await items.put(['n'], 'searched', { v: 2 });
    await items.put(['n'], 'unread', { v: 3 });
    await items.put(['n'], 'long', { v: 4 }, undefined, { ttl: 10 });
    const before = await items.get(['n'], 'read', { refreshTtl: false });
    advance(50 * SECOND);
    expect(await items.get(['n'], 'read')).toMatchObject({ updatedAt: before?.updatedAt, value: { v: 1 } });
    expect((await items.search(['n'], { filter: { v: 2 } })).map((i) => i.key)).toEqual(['searched']);
    await items.listNamespaces();
    advance(20 * SECOND);
    expect(await items.get(['n'], 'unread', { refreshTtl: false })).toBeNull();
    expect(await items.get(['n'], 'read', { refreshTtl: false })).not.toBeNull();
    expect(await items.get(['n'], 'searched', { refreshTtl: false })).not.toBeNull();
    advance(41 * SECOND);
    expect(await items.get(['n'], 'read', { refreshTtl: false })).toBeNull();
    expect(await items.get(['n'], 'searched', { refreshTtl: false })).toBeNull();
    // Refreshed by its own ttl (10 minutes), not the default.
    advance(8 * MINUTE);
    expect(await items.get(['n'], 'long')).not.toBeNull();
    advance(9 * MINUTE);
    expect(await items.get(['n'], 'long', { refreshTtl: false })).not.toBeNull();
    advance(2 * MINUTE);
    expect(await items.get(['n'], 'long')).toBeNull();
  });

  it('a re-put starts a new expiry that an older refresh cannot extend', async () => {
    const items = storeOn(store, { ttl: { refreshOnRead: true } });
    await items.put(['n'], 'k', { v: 1 }, undefined, { ttl: 10 });
    advance(5 * MINUTE);
    await items.get(['n'], 'k'); // refreshed to 15 minutes from the start
    await items.put(['n'], 'k', { v: 2 }, undefined, { ttl: 1 });
    advance(MINUTE + SECOND);
    expect(await items.get(['n'], 'k')).toBeNull();
    const createdAgain = now;
    await items.put(['n'], 'k', { v: 3 });
    advance(60 * MINUTE);
    // An expired item put again is a new item: its createdAt starts over.
    expect(await items.get(['n'], 'k')).toMatchObject({ value: { v: 3 }, createdAt: new Date(createdAgain) });
  });

  it('sweeps expired items with their refresh records and vectors, and re-files refreshed ones', async () => {
    const items = storeOn(store, {
      ttl: { defaultTtl: 1 },
      index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t'] },
    });
    const vectors = store.vectors('langgraph_store_vectors', { dims: DIMS });
    for (const key of ['a', 'b', 'c']) await items.put(['n'], key, { t: `text ${key}` });
    await items.put(['n'], 'kept', { t: 'kept' }, undefined, { ttl: null });
    expect(await vectors.count()).toBe(4);
    expect(await items.sweepExpiredItems()).toBe(0);
    advance(50 * SECOND);
    await items.get(['n'], 'c');
    advance(20 * SECOND);
    expect(await items.sweepExpiredItems()).toBe(2);
    expect(await vectors.count()).toBe(2);
    // c (item, refresh record, expiry entry at its new time) and kept.
    expect(await raw()).toBe(4);
    expect((await items.search(['n'], { query: 'text c', refreshTtl: false }))[0]).toMatchObject({ key: 'c' });
    advance(41 * SECOND);
    expect(await items.sweepExpiredItems()).toBe(1);
    expect(await raw()).toBe(1);
    expect(await vectors.count()).toBe(1);
    expect((await items.search(['n'])).map((i) => i.key)).toEqual(['kept']);
  });

  it('sweeps a backlog in bounded steps', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1 } });
    const ops = Array.from({ length: 600 }, (_, i) => ({ namespace: ['bulk'], key: `k${i}`, value: { i } }));
    for (let i = 0; i < ops.length; i += 100) await items.batch(ops.slice(i, i + 100));
    await items.put(['bulk'], 'stays', { i: -1 }, undefined, { ttl: 5 });
    advance(2 * MINUTE);
    expect(await items.sweepExpiredItems()).toBe(600);
    expect(await raw()).toBe(2);
  });

  it('runs the sweep every sweepIntervalMinutes until stop()', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1, sweepIntervalMinutes: 0.001 } });
    await items.put(['n'], 'a', { v: 1 });
    await items.put(['n'], 'b', { v: 2 });
    expect(await raw()).toBe(4);
    advance(2 * MINUTE);
    await vi.waitFor(async () => expect(await raw()).toBe(0), { timeout: 10_000, interval: 50 });
    await items.stop();
    await items.put(['n'], 'c', { v: 3 });
    advance(2 * MINUTE);
    await new Promise((r) => setTimeout(r, 300));
    expect(await raw()).toBe(2);
  });

  it('a running sweeper ends quietly when the store closes', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1, sweepIntervalMinutes: 0.0005 } });
    await items.put(['n'], 'a', { v: 1 });
    advance(2 * MINUTE);
    await store.close();
    await new Promise((r) => setTimeout(r, 200));
    await items.stop();
  });

  it('a refreshing read never rewrites the item, so it cannot undo a concurrent put', async () => {
    const reader = storeOn(store, { ttl: { defaultTtl: 1 } });
    const writer = storeOn(store, { ttl: { defaultTtl: 1 } }); // another handle: as another process, no shared lock
    const kv = store.kv('langgraph_store');
    await writer.put(['n'], 'k', { v: 0 });
    const before = await kv.get(['n', 0, 'k']);
    advance(30 * SECOND);
    await reader.get(['n'], 'k');
    expect(await kv.get(['n', 0, 'k'])).toEqual(before);
    expect(await kv.get(['n', 0, 'k', 0])).toMatchObject({ until: now + MINUTE });
    for (let v = 1; v <= 50; v++) {
      advance(SECOND);
      await Promise.all([reader.get(['n'], 'k'), writer.put(['n'], 'k', { v }), reader.search(['n'])]);
      expect((await writer.get(['n'], 'k', { refreshTtl: false }))?.value).toEqual({ v });
    }
  });

  it('a sweep racing puts of the same expired keys never deletes a new value', async () => {
    const items = storeOn(store, { ttl: { defaultTtl: 1 } });
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 5; k++) await items.put(['n'], `k${k}`, { round, k });
      advance(2 * MINUTE);
      await Promise.all([items.sweepExpiredItems(), ...[0, 1, 2, 3, 4].map((k) => items.put(['n'], `k${k}`, { round, k, fresh: true }))]);
      for (let k = 0; k < 5; k++) expect((await items.get(['n'], `k${k}`))?.value).toEqual({ round, k, fresh: true });
    }
  });

  it('refuses a bad ttl before writing anything', async () => {
    const items = storeOn(store);
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      await expect(items.put(['n'], 'k', { v: 1 }, undefined, { ttl: ttl as number })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    }
    await expect(
      items.batch([
        { namespace: ['n'], key: 'ok', value: { v: 1 } },
        { namespace: ['n'], key: 'bad', value: { v: 1 }, options: { ttl: -5 } } as never,
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(await raw()).toBe(0);
    for (const ttl of [{ defaultTtl: 0 }, { refreshOnRead: 'yes' }, { sweepIntervalMinutes: -1 }]) {
      expect(() => new AgentstoreStore(store, { ttl: ttl as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
  });
});
