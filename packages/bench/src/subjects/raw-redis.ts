import { Redis } from 'ioredis';
import { COUNTER_KEYS, COUNTER_KEYSPACE, KV_KEYS, VALUE } from '../data.js';
import type { KvTarget } from './types.js';

/**
 * The raw ioredis baseline, doing the job agentstore's kv does with the same layout: values in one
 * hash, key order in one sorted set (all scores 0, ranged BYLEX); a write updates both in one
 * MULTI/EXEC, a counter is HINCRBY. No read-your-writes view, no optimistic check, no codec.
 */
export async function openRawRedis(url: string): Promise<{ kv: KvTarget; close(): Promise<void> }> {
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  const [z, h, c] = ['raw:kv:z', 'raw:kv:h', 'raw:counters'];
  const value = Buffer.from(VALUE);
  const kv: KvTarget = {
    get: (i) => client.hgetBuffer(h, KV_KEYS.bytes(i)),
    put: (i) => client.multi().zadd(z, 0, KV_KEYS.bytes(i)).hset(h, KV_KEYS.bytes(i), value).exec(),
    putMany: (from, count) => {
      const members: Array<number | Buffer> = [];
      const fields: Buffer[] = [];
      for (let i = from; i < from + count; i++) {
        members.push(0, KV_KEYS.bytes(i));
        fields.push(KV_KEYS.bytes(i), value);
      }
      return client
        .multi()
        .zadd(z, ...members)
        .hset(h, ...fields)
        .exec();
    },
    scan: async (from, count) => {
      const keys = await client.zrangebylexBuffer(z, Buffer.concat([Buffer.from('['), KV_KEYS.bytes(from)]), '+', 'LIMIT', 0, count);
      return keys.length === 0 ? 0 : (await client.hmgetBuffer(h, ...keys)).length;
    },
    counter: (i) => client.hincrby(c, COUNTER_KEYSPACE.bytes(i % COUNTER_KEYS), 1),
  };
  return { kv, close: async () => void (await client.quit()) };
}
