/**
 * Transactions read from what their process last knew of a domain; another writer must never make
 * that memory decide an outcome. Two stores on one dataDir (two adapter instances, as two processes
 * would be) take turns, so each one's memory is stale at every call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@agentstore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAdapter } from '../src/index.js';
import { RedisTestServer, redisServerMissing } from './redis-server.js';

const missing = redisServerMissing();
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function twoStores(): Promise<[Store, Store]> {
  const server = await RedisTestServer.start({ appendfsync: 'always' });
  const dataDir = mkdtempSync(join(tmpdir(), 'agentstore-redis-two-'));
  const open = () => createStore({ dataDir, adapters: [redisAdapter], default: { adapter: 'redis', options: { url: server.url } } });
  const stores: [Store, Store] = [await open(), await open()];
  cleanup.push(async () => {
    for (const store of stores) await store.close();
    await server.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return stores;
}

describe.skipIf(missing !== undefined)('redis adapter: remembered reads', () => {
  it('alternating writers: counters, compare-and-set and puts see each other at once', async () => {
    const [a, b] = await twoStores();
    for (let i = 1; i <= 50; i++) {
      const store = i % 2 === 0 ? a : b;
      expect(await store.kv('k').updateCounter('n', 1)).toBe(i);
      expect(await store.kv('k').updateCounters([['m', 2]])).toEqual([2 * i]);
      // A transaction (putMany) that overwrites what the other store wrote last.
      await store.kv('k').putMany([['last', i]]);
      expect(await (store === a ? b : a).kv('k').get('last')).toBe(i);
    }
    let latest: string | null = null;
    for (let i = 0; i < 20; i++) {
      const store = i % 2 === 0 ? a : b;
      const saved = await store.checkpoints('cp').save('t', { data: Uint8Array.of(i), expectLatest: latest });
      expect(saved.seq).toBe(i + 1);
      // The other store's memory of the trace is stale now: a save expecting the old latest must lose.
      const other = store === a ? b : a;
      await expect(other.checkpoints('cp').save('t', { data: Uint8Array.of(0), expectLatest: latest })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      latest = saved.id;
    }
  });

  it('a value that stopped being a counter elsewhere is refused, and one that became a counter is counted', async () => {
    const [a, b] = await twoStores();
    expect(await a.kv('k').updateCounter('c', 5)).toBe(5);
    await b.kv('k').put('c', 'text');
    await expect(a.kv('k').updateCounter('c', 1)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await b.kv('k').delete('c');
    expect(await b.kv('k').updateCounter('c', 7)).toBe(7);
    expect(await a.kv('k').updateCounter('c', 1)).toBe(8);
  });
});

if (missing !== undefined) console.log(`[adapter-redis] remembered-reads tests skipped: ${missing}`);
