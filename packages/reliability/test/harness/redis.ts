/**
 * Redis as a backend of the multi-process tests: when `redis-server` is installed, the test file that
 * asks for it gets its own server (temp dir, free loopback port, AOF with fsync always), stopped after
 * the file; every target routes to it. Without the binary the list is empty and the reason is printed.
 */
import { afterAll } from 'vitest';
import { RedisTestServer, redisServerMissing } from '../../../adapter-redis/test/redis-server.js';
import type { AdapterUnderTest } from './adapters.js';
import { type AdapterSource, loadAdapter } from './stores.js';

const SOURCE: AdapterSource = { specifier: '@agentstore/adapter-redis', exportName: 'redisAdapter' };

/** `[redis]` backed by a server of this test file, or `[]` (with a printed reason) where none can run. */
export async function redisUnderTest(): Promise<AdapterUnderTest[]> {
  const missing = redisServerMissing();
  if (missing !== undefined) {
    console.log(`[reliability] redis cases skipped: ${missing}`);
    return [];
  }
  const server = await RedisTestServer.start({ appendfsync: 'always' });
  afterAll(() => server.remove());
  const adapter = await loadAdapter(SOURCE);
  return [
    {
      name: adapter.name,
      adapter,
      source: SOURCE,
      target: (dataDir, options) => ({ dataDir, source: SOURCE, options: { ...options, url: server.url } }),
    },
  ];
}
