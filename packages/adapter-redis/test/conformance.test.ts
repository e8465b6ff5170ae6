import { runConformance } from '@agentstore/conformance';
import { afterAll, it } from 'vitest';
import { redisAdapter } from '../src/index.js';
import { RedisTestServer, redisServerMissing } from './redis-server.js';

// One server (AOF on, fsync always) for the file; each test's store has its own key prefix (its dataDir's hash).
const missing = redisServerMissing();
if (missing === undefined) {
  const server = await RedisTestServer.start();
  afterAll(() => server.remove());
  runConformance({ name: 'redis', adapter: redisAdapter, options: { url: server.url } });
} else {
  console.log(`[adapter-redis] conformance skipped: ${missing}`);
  it.skip(`conformance: ${missing}`, () => {});
}
