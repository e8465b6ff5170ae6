/**
 * The layout stays shardable by a distribution column: every transaction and every read of
 * `AgentstoreSaver`'s hot path (put, putWrites, getTuple, list of one thread) touches keys of one
 * thread only — the thread is the first tuple element of every key of the saver — so a distributed
 * PostgreSQL sharding the domain tables by the thread would run none of them across shards, and this
 * adapter's writers of different threads never share a lock (`key-locks.ts`: a tuple key's partition
 * is its first two elements, `[thread, kind]`).
 * Checked on a recording wrapper around core's memory backend (no server needed).
 */
import { createStore, memoryAdapter } from '@agentstore/core';
import {
  type Adapter,
  type ByteRange,
  type Bytes,
  type DomainBackend,
  decodeKey,
  encodeKey,
  prefixUpperBound,
  type Tx,
} from '@agentstore/core/spi';
import { AgentstoreSaver } from '@agentstore/langgraph';
import { emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';

/** Where the thread sits in a key of the saver's domain: first, in every key. */
const threadAt = (_domain: string) => 0;

/** Threads touched by one call. */
interface Touch {
  readonly domain: string;
  readonly what: string;
  readonly threads: Set<string>;
}

/** The thread of a user key (core's own keys, below 0x10 — the migration guard, kind markers — are per domain). */
function threadOf(domain: string, key: Bytes): string | undefined {
  if ((key[0] as number) < 0x10) return undefined;
  const decoded = decodeKey(key);
  const thread = Array.isArray(decoded) ? decoded[threadAt(domain)] : undefined;
  return typeof thread === 'string' ? thread : `not a thread key: ${JSON.stringify(decoded)}`;
}

/** The thread a range read lies in, or a marker when it is not bounded by one thread's prefix. */
function rangeThread(domain: string, range: ByteRange): string {
  const lower = range.gte ?? range.gt;
  const upper = range.lt ?? range.lte;
  if (lower === undefined || upper === undefined) return 'unbounded range';
  // A bound that is not a tuple (the whole key space, as the one-time probe for data of the previous layout reads it).
  if ((lower[0] as number) !== 0x30) return 'range beyond one thread';
  const decoded = decodeKey(lower) as unknown[];
  const prefix = decoded.slice(0, threadAt(domain) + 1);
  const end = prefixUpperBound(encodeKey(prefix)) as Bytes;
  const thread = decoded[threadAt(domain)];
  return typeof thread === 'string' && Buffer.compare(upper, end) <= 0 ? thread : `range beyond one thread from ${JSON.stringify(decoded)}`;
}

function recording(log: Touch[]): Adapter {
  const inner = memoryAdapter as unknown as Adapter;
  return {
    ...inner,
    name: 'recording',
    async open(ctx) {
      const instance = await inner.open(ctx);
      return {
        ...instance,
        dropDomain: (d, o) => instance.dropDomain(d, o),
        listDomains: () => instance.listDomains(),
        sync: () => instance.sync(),
        close: () => instance.close(),
        async domain(domain, options): Promise<DomainBackend> {
          const backend = await instance.domain(domain, options);
          const touch = (what: string, keys: Iterable<Bytes>, extra: string[] = []) => {
            const threads = new Set(extra);
            for (const k of keys) {
              const thread = threadOf(domain, k);
              if (thread !== undefined) threads.add(thread);
            }
            log.push({ domain, what, threads });
          };
          return {
            get: (key) => {
              touch('get', [key]);
              return backend.get(key);
            },
            getMany: (keys) => {
              touch('getMany', keys);
              return backend.getMany(keys);
            },
            range: (range) => {
              touch('range', [], [rangeThread(domain, range)]);
              return backend.range(range);
            },
            count: (range) => backend.count(range),
            clear: (guard) => backend.clear(guard),
            transact<T>(fn: (tx: Tx) => T): Promise<T> {
              const keys: Bytes[] = [];
              const ranges: string[] = [];
              return backend
                .transact((tx) =>
                  fn({
                    get: (k) => {
                      keys.push(k);
                      return tx.get(k);
                    },
                    range: (r) => {
                      ranges.push(rangeThread(domain, r));
                      return tx.range(r);
                    },
                    put: (k, v) => {
                      keys.push(k);
                      tx.put(k, v);
                    },
                    del: (k) => {
                      keys.push(k);
                      tx.del(k);
                    },
                  }),
                )
                .finally(() => touch('transaction', keys, ranges));
            },
          };
        },
      };
    },
  } as Adapter;
}

describe('distribution layout (no server needed)', () => {
  it("every transaction and read of AgentstoreSaver's hot path stays inside one thread's distribution key", async () => {
    const log: Touch[] = [];
    const store = await createStore({ adapters: [recording(log)], default: { adapter: 'recording' } });
    const saver = new AgentstoreSaver(store);
    // The saver's first operation looks once for data of the previous layout (a migration, not the hot path).
    await saver.getTuple({ configurable: { thread_id: 'warm-up' } });
    log.length = 0;
    const threads = ['alpha', 'beta', 'gamma\u0000odd', 'δέλτα'];
    await Promise.all(
      threads.map(async (thread) => {
        let config = { configurable: { thread_id: thread, checkpoint_ns: '' } } as Record<string, unknown>;
        for (let step = 0; step < 4; step++) {
          const checkpoint = { ...emptyCheckpoint(), id: uuid6(-1), channel_values: { step }, channel_versions: { step: step + 1 } };
          config = (await saver.put(config, checkpoint, { source: 'loop', step, parents: {} }, { step: step + 1 })) as Record<
            string,
            unknown
          >;
          await saver.putWrites(config, [['step', step]], `task-${step}`);
          await saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: '' } });
          for await (const _ of saver.list({ configurable: { thread_id: thread } }, { limit: 3 })) {
            // drained
          }
        }
      }),
    );
    await store.close();
    const hot = log.filter((t) => t.threads.size > 0);
    expect(hot.length).toBeGreaterThan(threads.length * 4 * 3);
    // Pending writes live next to their checkpoint: the writes domain is no longer touched.
    expect(new Set(hot.map((t) => t.domain))).toEqual(new Set(['checkpoints']));
    const crossing = hot.filter((t) => t.threads.size !== 1 || !threads.includes([...t.threads][0] as string));
    expect(crossing.map((t) => `${t.domain} ${t.what}: ${[...t.threads].join(', ')}`)).toEqual([]);
  });
});
