import type { Adapter, AdapterInstance, Capabilities, OpenContext } from '@agentstore/core/spi';
import { RedisInstance } from './instance.js';
import { type RedisOptions, redisOptionsSchema } from './options.js';

const capabilities: Capabilities = Object.freeze({
  multiProcess: true,
  persistent: true,
  guardedWrites: true,
});

/**
 * The Redis adapter (ioredis): each domain an ordered set of keys plus a hash of values under the
 * store's prefix, optimistic group commit, counters by compare-and-set; `durability` is checked
 * against the server's AOF settings when a domain opens.
 *
 * @example
 * const store = await createStore({ adapters: [redisAdapter], default: { adapter: 'redis', options: { url: 'redis://127.0.0.1:6379' } } });
 */
export const redisAdapter: Adapter<RedisOptions> = Object.freeze({
  name: 'redis',
  optionsSchema: redisOptionsSchema,
  capabilities,
  async open(ctx: OpenContext): Promise<AdapterInstance<RedisOptions>> {
    return new RedisInstance(ctx.dataDir, ctx.readOnly === true);
  },
});
