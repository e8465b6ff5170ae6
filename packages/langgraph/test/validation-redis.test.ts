// LangGraph's own checkpointer validation suite, run on AgentstoreSaver with every domain on Redis
// (a redis-server of this file: temp dir, free loopback port, AOF with fsync always).
import './support/vitest-globals.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAdapter } from '@agentstore/adapter-redis';
import { createStore } from '@agentstore/core';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { afterAll, it } from 'vitest';
import { RedisTestServer, redisServerMissing } from '../../adapter-redis/test/redis-server.js';
import { AgentstoreSaver } from '../src/index.js';

const missing = redisServerMissing();
if (missing === undefined) {
  const server = await RedisTestServer.start({ appendfsync: 'always' });
  afterAll(() => server.remove());
  const open = new Map<AgentstoreSaver, () => Promise<void>>();
  validate({
    checkpointerName: 'agentstore-redis',
    async createCheckpointer() {
      // A fresh dataDir per checkpointer: its hash is the key prefix, so each one starts empty.
      const dataDir = await mkdtemp(join(tmpdir(), 'agentstore-langgraph-redis-'));
      const store = await createStore({ dataDir, adapters: [redisAdapter], default: { adapter: 'redis', options: { url: server.url } } });
      const saver = new AgentstoreSaver(store);
      open.set(saver, async () => {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      });
      return saver;
    },
    async destroyCheckpointer(saver: AgentstoreSaver) {
      await open.get(saver)?.();
      open.delete(saver);
    },
  });
} else {
  console.log(`[langgraph] redis validation skipped: ${missing}`);
  it.skip(`validation on redis: ${missing}`, () => {});
}
