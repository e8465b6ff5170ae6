/** Durability checked against the server's persistence, key prefixes, and failures surfacing as StoreErrors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@agentstore/core';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAdapter } from '../src/index.js';
import { RedisTestServer, redisServerMissing, type ServerSettings } from './redis-server.js';

const missing = redisServerMissing();
const servers: RedisTestServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const server of servers) await server.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function server(settings: ServerSettings): Promise<RedisTestServer> {
  const started = await RedisTestServer.start(settings);
  servers.push(started);
  return started;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-redis-store-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string, options: Record<string, unknown>): Promise<Store> {
  return createStore({ dataDir: dir, adapters: [redisAdapter], default: { adapter: 'redis', options } });
}

/** The code a first read of a domain with `options` fails with, or 'ok'. */
async function outcome(url: string, options: Record<string, unknown>): Promise<string> {
  const store = await open(dataDir(), { url, ...options });
  try {
    await store.kv('d').get('k');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await store.close();
  }
}

describe.skipIf(missing !== undefined)('redis adapter: server settings', () => {
  it('durability is refused (UNSUPPORTED) where the server persistence cannot give it', { timeout: 60_000 }, async () => {
    const always = await server({ appendfsync: 'always' });
    const everysec = await server({ appendfsync: 'everysec' });
    const noAof = await server({ appendonly: 'no' });
    const noConfig = await server({ appendfsync: 'always', extra: ['--rename-command', 'CONFIG', ''] });
    const table: Record<string, string[]> = {};
    for (const [name, s] of Object.entries({ always, everysec, noAof, noConfig })) {
      table[name] = [];
      for (const durability of ['strict', 'balanced', 'fast']) table[name].push(await outcome(s.url, { durability }));
    }
    expect(table).toEqual({
      always: ['ok', 'ok', 'ok'],
      everysec: ['UNSUPPORTED', 'ok', 'ok'],
      noAof: ['UNSUPPORTED', 'UNSUPPORTED', 'ok'],
      // INFO still tells that AOF is on; appendfsync cannot be read, so strict cannot be promised.
      noConfig: ['UNSUPPORTED', 'ok', 'ok'],
    });
    const store = await open(dataDir(), { url: everysec.url, durability: 'strict' });
    await expect(store.kv('d').get('k')).rejects.toThrow(/appendfsync everysec.*needs appendfsync always/);
    await store.close();
  });

  it('stores on one server never mix: the prefix comes from the dataDir unless given', async () => {
    const s = await server({});
    const [dirA, dirB] = [dataDir(), dataDir()];
    const a = await open(dirA, { url: s.url });
    await a.kv('d').put('k', 'from a');
    const b = await open(dirB, { url: s.url });
    expect(await b.kv('d').get('k')).toBeUndefined();
    const a2 = await open(dirA, { url: s.url });
    expect(await a2.kv('d').get('k')).toBe('from a');
    const shared = [await open(dirA, { url: s.url, prefix: 'team.one' }), await open(dirB, { url: s.url, prefix: 'team.one' })];
    await shared[0]?.kv('d').put('k', 'shared');
    expect(await shared[1]?.kv('d').get('k')).toBe('shared');
    for (const store of [a, b, a2, ...shared]) await store?.close();
  });

  it('bad options are INVALID_OPTIONS; an unreachable or dead server is IO', { timeout: 30_000 }, async () => {
    const s = await server({});
    await expect(open(dataDir(), { url: s.url, prefix: 'a:b' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(open(dataDir(), { url: 'http://x' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    const store = await open(dataDir(), { url: s.url });
    await store.kv('d').put('k', 1);
    await s.kill();
    await expect(store.kv('d').get('k')).rejects.toMatchObject({ code: 'IO' });
    await expect(store.kv('d').put('k', 2)).rejects.toMatchObject({ code: 'IO' });
    await store.close();
    const nowhere = await open(dataDir(), { url: `redis://127.0.0.1:${s.port}`, connectTimeoutMs: 500 });
    await expect(nowhere.kv('d').get('k')).rejects.toMatchObject({ code: 'IO' });
    await nowhere.close();
  });
});

if (missing !== undefined) console.log(`[adapter-redis] server settings tests skipped: ${missing}`);
