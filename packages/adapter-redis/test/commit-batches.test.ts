/** The commit script writes a group's puts and deletes in batches of commands: every entry lands, across batch edges. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainOptions } from '@agentstore/core/spi';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAdapter } from '../src/index.js';
import { type ResolvedRedisOptions, redisOptionsSchema } from '../src/options.js';
import { RedisTestServer, redisServerMissing } from './redis-server.js';

const missing = redisServerMissing();
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const key = (i: number) => Uint8Array.of(0x40, i >> 8, i & 0xff);
const value = (i: number) => Uint8Array.of(i & 0xff, 0, i >> 8);

describe.skipIf(missing !== undefined)('redis adapter: commit batches', () => {
  it('one group of 1,100 deletes and 1,234 puts deletes and writes every key', async () => {
    const server = await RedisTestServer.start({ appendfsync: 'always' });
    const dataDir = mkdtempSync(join(tmpdir(), 'agentstore-redis-batches-'));
    const instance = await redisAdapter.open({ dataDir });
    cleanup.push(async () => {
      await instance.close();
      await server.remove();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const options: DomainOptions<ResolvedRedisOptions> = {
      durability: 'balanced',
      counters: 'durable',
      counterFlushMs: 1000,
      maxValueBytes: 64 * 1024 * 1024,
      ...redisOptionsSchema.parse({ url: server.url }),
    };
    const d = await instance.domain('batches', options);
    // Keys 2,000..3,099 first; then, in one blind group, they go and keys 0..1,233 come.
    await d.transact((tx) => {
      for (let i = 2000; i < 3100; i++) tx.put(key(i), value(i));
    });
    await d.transact((tx) => {
      for (let i = 2000; i < 3100; i++) tx.del(key(i));
      for (let i = 0; i < 1234; i++) tx.put(key(i), value(i));
    });
    const entries: Array<[number[], number[]]> = [];
    for await (const [k, v] of d.range({})) entries.push([[...k], [...v]]);
    expect(entries).toEqual(Array.from({ length: 1234 }, (_, i) => [[...key(i)], [...value(i)]]));
  });
});
