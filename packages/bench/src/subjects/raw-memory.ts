import {
  ARTIFACT,
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

/** Index of the first element of sorted `keys` that is ≥ `key`. */
function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The memory baseline: a plain `Map` for values and counters, plus a sorted key array (binary-search
 * insertion) so a range scan has something ordered to walk, as any ordered in-memory map needs.
 */
export function rawMemoryKv(): KvTarget {
  const values = new Map<string, Uint8Array>();
  const counters = new Map<string, number>();
  const sorted: string[] = [];
  const put = (key: string) => {
    if (!values.has(key)) {
      const at = lowerBound(sorted, key);
      sorted.splice(at, 0, key);
    }
    values.set(key, VALUE.slice());
  };
  return {
    get: (i) => values.get(KV_KEYS.string(i)),
    put: (i) => put(KV_KEYS.string(i)),
    putMany: (from, count) => {
      for (let i = from; i < from + count; i++) put(KV_KEYS.string(i));
    },
    scan: (from, count) => {
      const out: Array<[string, Uint8Array | undefined]> = [];
      const start = lowerBound(sorted, KV_KEYS.string(from));
      for (let j = start; j < Math.min(sorted.length, start + count); j++) out.push([sorted[j] as string, values.get(sorted[j] as string)]);
      return out.length;
    },
    counter: (i) => {
      const key = COUNTER_KEYSPACE.string(i % COUNTER_KEYS);
      const next = (counters.get(key) ?? 0) + 1;
      counters.set(key, next);
      return next;
    },
  };
}

interface Saved {
  readonly info: { id: string; trace: string; seq: number; parentId: string | null; createdAt: number; metadata: unknown; size: number };
  readonly data: Uint8Array;
}

/** The memory checkpoint baseline: one array per trace in a `Map`. */
export function rawMemoryCheckpoints(): CheckpointTarget {
  const traces = new Map<string, Saved[]>();
  const save = (trace: string, step: number) => {
    let list = traces.get(trace);
    if (!list) {
      list = [];
      traces.set(trace, list);
    }
    const seq = list.length + 1;
    const info = {
      id: `${Date.now().toString(36)}-${seq}`,
      trace,
      seq,
      parentId: list.at(-1)?.info.id ?? null,
      createdAt: Date.now(),
      metadata: checkpointMetadata(step),
      size: CHECKPOINT_DATA.length,
    };
    list.push({ info, data: CHECKPOINT_DATA.slice() });
  };
  return {
    save,
    loadLatest: (trace) => {
      const last = traces.get(trace)?.at(-1);
      return last && { ...last.info, data: last.data.slice() };
    },
    list: (trace, limit) =>
      (traces.get(trace) ?? [])
        .slice(-limit)
        .reverse()
        .map((s) => s.info),
    fill: async (trace, count) => {
      for (let k = 0; k < count; k++) save(trace, k);
    },
  };
}

/**
 * The memory artifact baseline: a `Map` of blobs. A put stores a copy (agentstore's `put` lets the
 * caller reuse its buffer once it resolved), a get returns the stored blob as the kv baseline does.
 */
export function rawMemoryArtifacts(): ArtifactTarget {
  const blobs = new Map<string, Uint8Array>();
  return {
    put: (i) => void blobs.set(ARTIFACT_PUT_KEYS.string(i), ARTIFACT.slice()),
    putEvicting: (i) => {
      blobs.set(ARTIFACT_EVICT_KEYS.string(i), ARTIFACT.slice());
      if (i >= BUDGET_BLOBS) blobs.delete(ARTIFACT_EVICT_KEYS.string(i - BUDGET_BLOBS));
    },
    get: (i) => blobs.get(ARTIFACT_GET_KEYS.string(i % GET_BLOBS)),
    fillGets: async () => {
      for (let i = 0; i < GET_BLOBS; i++) blobs.set(ARTIFACT_GET_KEYS.string(i), ARTIFACT.slice());
    },
  };
}
