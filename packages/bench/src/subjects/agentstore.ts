import { createStore, type DomainStore, rawCodec, type Store, type StoreConfig } from '@agentstore/core';
import {
  ARTIFACT,
  ARTIFACT_BYTES,
  ARTIFACT_EVICT_KEYS,
  ARTIFACT_GET_KEYS,
  ARTIFACT_PUT_KEYS,
  BUDGET_BLOBS,
  CHECKPOINT_DATA,
  COUNTER_KEYS,
  COUNTER_KEYSPACE,
  checkpointMetadata,
  GET_BLOBS,
  KV_KEYS,
  VALUE,
} from '../data.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './types.js';

type AnyAdapter = NonNullable<StoreConfig['adapters']>[number];

/** Domains the benchmark opens on the adapter under test. */
export const DOMAINS = {
  kv: 'bench_kv',
  /** The durable counters: a domain of their own, as each raw baseline keeps them in a table (sub-database) of their own. */
  counters: 'bench_counters',
  buffered: 'bench_kv_buffered',
  checkpoints: 'bench_checkpoints',
  strictCheckpoints: 'bench_checkpoints_strict',
  artifacts: 'bench_artifacts',
  artifactsBudget: 'bench_artifacts_budget',
} as const;

/**
 * Opens a store whose benchmark domains all live on `adapterName` (`balanced` durability, the default;
 * one `buffered`-counter domain and one `strict` checkpoint domain). `base` are route options every
 * domain gets (the connection and schema for postgres).
 */
export async function openBenchStore(
  dataDir: string,
  adapterName: string,
  adapter?: AnyAdapter,
  base: Record<string, unknown> = {},
): Promise<Store> {
  const route = (options?: Record<string, unknown>) => {
    const merged = { ...base, ...options };
    return { adapter: adapterName, ...(Object.keys(merged).length > 0 ? { options: merged } : {}) };
  };
  return createStore({
    dataDir,
    adapters: adapter ? [adapter] : [],
    default: route(),
    domains: {
      [DOMAINS.kv]: route(),
      [DOMAINS.counters]: route(),
      [DOMAINS.buffered]: route({ counters: 'buffered' }),
      [DOMAINS.checkpoints]: route(),
      [DOMAINS.strictCheckpoints]: route({ durability: 'strict' }),
    },
  });
}

/**
 * agentstore's kv handle with the raw codec (values are the same 256 bytes the drivers store); its
 * counters live in `counterDomain` (default: `domain`).
 */
export function agentstoreKv(store: Store, domain: string, counterDomain = domain): KvTarget {
  const kv: DomainStore<Uint8Array> = store.kv(domain, { codec: rawCodec });
  const counters = counterDomain === domain ? kv : store.kv(counterDomain);
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
    counter: (i) => counters.updateCounter(COUNTER_KEYSPACE.string(i % COUNTER_KEYS), 1),
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

/**
 * agentstore's artifacts on two domains: `DOMAINS.artifacts` without a budget (plain puts and gets) and
 * `DOMAINS.artifactsBudget` with a budget of exactly `BUDGET_BLOBS` blobs, so once it is full every put
 * of a new key evicts the least recently used blob in its own transaction.
 */
export function agentstoreArtifacts(store: Store): ArtifactTarget {
  const free = store.artifacts(DOMAINS.artifacts);
  const budgeted = store.artifacts(DOMAINS.artifactsBudget, { budgetBytes: BUDGET_BLOBS * ARTIFACT_BYTES });
  return {
    put: (i) => free.put(ARTIFACT_PUT_KEYS.string(i), ARTIFACT),
    putEvicting: (i) => budgeted.put(ARTIFACT_EVICT_KEYS.string(i), ARTIFACT),
    get: (i) => free.get(ARTIFACT_GET_KEYS.string(i % GET_BLOBS)),
    fillGets: async () => {
      for (let i = 0; i < GET_BLOBS; i++) await free.put(ARTIFACT_GET_KEYS.string(i), ARTIFACT);
    },
  };
}
