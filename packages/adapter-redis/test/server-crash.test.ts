/**
 * `strict` on Redis means the server fsyncs its AOF before it replies (appendfsync always): every write
 * acknowledged before the server is SIGKILLed is there after it restarts on the same directory. A
 * negative control (AOF off, `fast`) proves the check sees loss.
 */
import { createStore, type Durability, type Store } from '@agentstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { redisAdapter } from '../src/index.js';
import { RedisTestServer, redisServerMissing } from './redis-server.js';

const missing = redisServerMissing();
const LANES = 8;
const ROUNDS = 3;
/** Acknowledged writes before the kill may come. */
const MIN_ACKED = 100;
const servers: RedisTestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.remove();
});

function open(server: RedisTestServer, dataDir: string, durability: Durability): Promise<Store> {
  return createStore({ dataDir, adapters: [redisAdapter], default: { adapter: 'redis', options: { url: server.url, durability } } });
}

interface Acked {
  readonly puts: Map<string, number>;
  readonly counts: number[];
  readonly saves: string[];
}

/** Writes from `LANES` loops until the server dies under them; returns what was acknowledged. */
async function writeUntilKilled(server: RedisTestServer, store: Store, killAfterMs: number): Promise<Acked> {
  const acked: Acked = { puts: new Map(), counts: [], saves: [] };
  const kv = store.kv<number>('acked');
  const cps = store.checkpoints('saves');
  let dead = false;
  const lane = async (n: number) => {
    for (let i = 0; !dead; i++) {
      try {
        if (i % 3 === 0) acked.counts.push(await kv.updateCounter('count', 1));
        else if (i % 3 === 1) acked.saves.push((await cps.save(`trace-${n}`, { data: Uint8Array.of(n, i & 255) })).id);
        else {
          await kv.put(`k-${n}-${i}`, i);
          acked.puts.set(`k-${n}-${i}`, i);
        }
      } catch (error) {
        if (!dead) throw error;
      }
    }
  };
  const lanes = Array.from({ length: LANES }, (_, n) => lane(n));
  // Kill once enough writes were acknowledged (bounded: a loaded machine is slow), then at a random moment.
  const acknowledged = () => acked.puts.size + acked.counts.length + acked.saves.length;
  for (const deadline = Date.now() + 30_000; acknowledged() < MIN_ACKED && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  await server.kill();
  dead = true;
  await Promise.all(lanes);
  await store.close().catch(() => undefined);
  return acked;
}

/** How many acknowledged writes are missing after the restart. */
async function countLost(store: Store, acked: Acked): Promise<number> {
  const kv = store.kv<number>('acked');
  let lost = 0;
  for (const [key, value] of acked.puts) if ((await kv.get(key)) !== value) lost++;
  const count = (await kv.get('count')) ?? 0;
  lost += acked.counts.filter((value) => value > count).length;
  for (const id of acked.saves) if ((await store.checkpoints('saves').load(id)) === undefined) lost++;
  return lost;
}

describe.skipIf(missing !== undefined)('redis server SIGKILL', () => {
  it(`acknowledged strict writes survive ${ROUNDS} server crashes`, { timeout: 120_000 }, async () => {
    const server = await RedisTestServer.start({ appendfsync: 'always' });
    servers.push(server);
    const dataDir = `${server.dir}/store`;
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await writeUntilKilled(server, await open(server, dataDir, 'strict'), Math.random() * 500);
      const writes = acked.puts.size + acked.counts.length + acked.saves.length;
      expect(writes, `round ${round}: writes acknowledged before the kill`).toBeGreaterThanOrEqual(MIN_ACKED);
      await server.restart();
      const store = await open(server, dataDir, 'strict');
      expect(await countLost(store, acked), `round ${round}: acknowledged writes lost`).toBe(0);
      // Counters stay exact: the stored count is at least every acknowledged increment.
      expect((await store.kv<number>('acked').get('count')) ?? 0).toBeGreaterThanOrEqual(acked.counts.length);
      await store.close();
      total += writes;
    }
    console.log(`[adapter-redis] server SIGKILL: ${ROUNDS} rounds, ${total} acknowledged strict writes, 0 lost`);
  });

  it('negative control: with AOF off the same check sees the loss', { timeout: 60_000 }, async () => {
    const server = await RedisTestServer.start({ appendonly: 'no' });
    servers.push(server);
    const dataDir = `${server.dir}/store`;
    await expect(open(server, dataDir, 'balanced').then((s) => s.kv('x').get('a'))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const acked = await writeUntilKilled(server, await open(server, dataDir, 'fast'), 100);
    await server.restart();
    const store = await open(server, dataDir, 'fast');
    expect(await countLost(store, acked)).toBeGreaterThan(0);
    await store.close();
  });
});

if (missing !== undefined) console.log(`[adapter-redis] server crash tests skipped: ${missing}`);
