// First: the adapter points lmdb's loader at its fixed engine, so the raw side runs the same binary.
import '@agentstore/adapter-lmdb';
import { open, type RootDatabase } from 'lmdb';
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
import { checkpointKey, infoJson, traceBounds } from './checkpoint-keys.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './types.js';

/** A raw lmdb-js environment with the databases the baseline uses. */
export interface RawLmdb {
  readonly kv: KvTarget;
  readonly checkpoints: CheckpointTarget;
  /** 1 MiB blobs as single values: `putSync` (one synchronous commit each), `get`. */
  readonly artifacts: ArtifactTarget;
  close(): Promise<void>;
}

/**
 * lmdb-js opened with the flags agentstore's LMDB adapter uses (packages/adapter-lmdb, shared-env.ts):
 * binary keys and values, `noSync: false`, `overlappingSync: false`, and `noMetaSync` for `balanced`.
 * For `strict` the meta page is synced too (`noMetaSync: false`), as the adapter's extra env sync does.
 * Writes are synchronous commits (`putSync` / `transactionSync`), the fastest durable path lmdb offers.
 */
export function openRawLmdb(path: string, strict: boolean): RawLmdb {
  const root = open({
    path,
    keyEncoding: 'binary',
    encoding: 'binary',
    maxDbs: 8,
    noSync: false,
    noMetaSync: !strict,
    overlappingSync: false,
  }) as RootDatabase;
  const opts = { keyEncoding: 'binary', encoding: 'binary' } as const;
  const kv = root.openDB<Buffer, Buffer>({ name: 'kv', ...opts });
  const counters = root.openDB<Buffer, Buffer>({ name: 'counters', ...opts });
  const info = root.openDB<Buffer, Buffer>({ name: 'cp_info', ...opts });
  const data = root.openDB<Buffer, Buffer>({ name: 'cp_data', ...opts });
  const blobs = root.openDB<Buffer, Buffer>({ name: 'artifacts', ...opts });
  const blob = Buffer.from(ARTIFACT.buffer, ARTIFACT.byteOffset, ARTIFACT.byteLength);

  const value = Buffer.from(VALUE.buffer, VALUE.byteOffset, VALUE.byteLength);
  const cpData = Buffer.from(CHECKPOINT_DATA.buffer, CHECKPOINT_DATA.byteOffset, CHECKPOINT_DATA.byteLength);
  const newest = (trace: string, limit: number) => {
    const { lo, hi } = traceBounds('', trace);
    return info.getRange({ start: hi, end: lo, reverse: true, limit });
  };
  const appendOne = (trace: string, step: number): void => {
    let seq = 1;
    let parentId: string | null = null;
    for (const { key, value } of newest(trace, 1)) {
      seq = key.readUInt32BE(key.length - 4) + 1;
      parentId = (JSON.parse(value.toString('utf8')) as { id: string }).id;
    }
    info.putSync(
      checkpointKey('', trace, seq),
      Buffer.from(infoJson(trace, seq, parentId, checkpointMetadata(step), CHECKPOINT_DATA.length)),
    );
    data.putSync(checkpointKey('', trace, seq), cpData);
  };
  const counterValue = Buffer.alloc(8);

  return {
    kv: {
      get: (i) => kv.get(KV_KEYS.bytes(i)),
      put: (i) => kv.putSync(KV_KEYS.bytes(i), value),
      putMany: (from, count) =>
        root.transactionSync(() => {
          for (let i = from; i < from + count; i++) kv.putSync(KV_KEYS.bytes(i), value);
        }),
      scan: (from, count) => {
        let n = 0;
        for (const _ of kv.getRange({ start: KV_KEYS.bytes(from), limit: count })) n++;
        return n;
      },
      counter: (i) =>
        root.transactionSync(() => {
          const key = COUNTER_KEYSPACE.bytes(i % COUNTER_KEYS);
          const current = counters.get(key);
          const next = (current ? current.readDoubleLE(0) : 0) + 1;
          counterValue.writeDoubleLE(next, 0);
          counters.putSync(key, counterValue);
          return next;
        }),
    },
    checkpoints: {
      save: (trace, step) => root.transactionSync(() => appendOne(trace, step)),
      loadLatest: (trace) => {
        for (const { key, value } of newest(trace, 1)) {
          return { ...(JSON.parse(value.toString('utf8')) as object), data: data.get(key) };
        }
        return undefined;
      },
      list: (trace, limit) => {
        const out: unknown[] = [];
        for (const { value } of newest(trace, limit)) out.push(JSON.parse(value.toString('utf8')));
        return out;
      },
      fill: async (trace, count) => {
        for (let done = 0; done < count; done += 1000) {
          root.transactionSync(() => {
            for (let k = done; k < Math.min(count, done + 1000); k++) appendOne(trace, k);
          });
        }
      },
    },
    artifacts: {
      put: (i) => blobs.putSync(ARTIFACT_PUT_KEYS.bytes(i), blob),
      // The put and the delete of the oldest blob in one synchronous commit, as the budgeted put does.
      putEvicting: (i) =>
        root.transactionSync(() => {
          blobs.putSync(ARTIFACT_EVICT_KEYS.bytes(i), blob);
          if (i >= BUDGET_BLOBS) blobs.removeSync(ARTIFACT_EVICT_KEYS.bytes(i - BUDGET_BLOBS));
        }),
      get: (i) => blobs.get(ARTIFACT_GET_KEYS.bytes(i % GET_BLOBS)),
      fillGets: async () => {
        for (let i = 0; i < GET_BLOBS; i++) blobs.putSync(ARTIFACT_GET_KEYS.bytes(i), blob);
      },
    },
    close: () => root.close(),
  };
}
