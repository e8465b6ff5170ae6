import { createStore, type DomainStore, rawCodec, type Store, type StoreConfig } from '@agentstore/core';
import { CHECKPOINT_DATA, COUNTER_KEYS, COUNTER_KEYSPACE, checkpointMetadata, KV_KEYS, VALUE } from '../data.js';
import type { CheckpointTarget, KvTarget } from './types.js';

type AnyAdapter = NonNullable<StoreConfig['adapters']>[number];

/** Domains the benchmark opens on the adapter under test. */
export const DOMAINS = {
  kv: 'bench_kv',
  buffered: 'bench_kv_buffered',
  checkpoints: 'bench_checkpoints',
  strictCheckpoints: 'bench_checkpoints_strict',
} as const;

/**
 * Opens a store whose benchmark domains all live on `adapterName` (`balanced` durability, the default;
 * one `buffered`-counter domain and one `strict` checkpoint domain).
 */
export async function openBenchStore(dataDir: string, adapterName: string, adapter?: AnyAdapter): Promise<Store> {
  const route = (options?: Record<string, unknown>) => ({ adapter: adapterName, ...(options ? { options } : {}) });
  return createStore({
    dataDir,
    adapters: adapter ? [adapter] : [],
    default: route(),
    domains: {
      [DOMAINS.kv]: route(),
      [DOMAINS.buffered]: route({ counters: 'buffered' }),
      [DOMAINS.checkpoints]: route(),
      [DOMAINS.strictCheckpoints]: route({ durability: 'strict' }),
    },
  });
}

/** agentstore's kv handle with the raw codec (values are the same 256 bytes the drivers store). */
export function agentstoreKv(store: Store, domain: string): KvTarget {
  const kv: DomainStore<Uint8Array> = store.kv(domain, { codec: rawCodec });
  return {
    get: (i) => kv.get(KV_KEYS.string(i)),
    put: (i) => kv.put(KV_KEYS.string(i), VALUE),
    putMany: (from, count) => {
      const entries: Array<[string, Uint8Array]> = [];
      for (let i = from; i < from + count; i++) entries.push([KV_KEYS.string(i), VALUE]);
      return kv.putMany(entries);
    },
    scan: async (from, count) => {
      let n = 0;
      for await (const _ of kv.entries({ gte: KV_KEYS.string(from), limit: count })) n++;
      return n;
    },
    counter: (i) => kv.updateCounter(COUNTER_KEYSPACE.string(i % COUNTER_KEYS), 1),
  };
}

/** agentstore's checkpoint handle on `domain`. */
export function agentstoreCheckpoints(store: Store, domain: string): CheckpointTarget {
  const cp = store.checkpoints(domain);
  return {
    save: (trace, step) => cp.save(trace, { data: CHECKPOINT_DATA, metadata: checkpointMetadata(step) }),
    loadLatest: (trace) => cp.loadLatest(trace),
    list: (trace, limit) => cp.list(trace, { limit }),
    fill: async (trace, count) => {
      // Saves in flight together are group-committed; waves keep memory bounded.
      for (let done = 0; done < count; ) {
        const wave = Math.min(500, count - done);
        const saves: Array<Promise<unknown>> = [];
        for (let k = 0; k < wave; k++) saves.push(cp.save(trace, { data: CHECKPOINT_DATA, metadata: checkpointMetadata(done + k) }));
        await Promise.all(saves);
        done += wave;
      }
    },
  };
}
