import { ClassicLevel } from 'classic-level';
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
import { checkpointKey, infoJson, seqOf, traceBounds } from './checkpoint-keys.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './types.js';

/** A raw classic-level database with the key spaces the baseline uses. */
export interface RawLevel {
  readonly kv: KvTarget;
  /** Checkpoints written with `sync: false` (balanced). */
  readonly checkpoints: CheckpointTarget;
  /** Checkpoints written with `sync: true` (strict). */
  readonly strictCheckpoints: CheckpointTarget;
  /** 1 MiB blobs as single values (`p…`/`e…`/`g…` keys): `put` with `sync: false`, `getSync`. */
  readonly artifacts: ArtifactTarget;
  close(): Promise<void>;
}

type Db = ClassicLevel<Buffer, Buffer>;

/**
 * classic-level with buffer encodings and LevelDB's default cache, write buffer and compression (the
 * same values the adapter's defaults give). Writes use `sync: false` like `balanced`; reads use
 * `getSync`, the call the adapter uses too (an awaited `get` is a thread-pool round trip, ~10× slower).
 * Keys: `k…` values, `c…` counters, `i…`/`d…` checkpoint info and data, `p…`/`e…`/`g…` artifact blobs.
 */
export async function openRawLevel(path: string): Promise<RawLevel> {
  const db: Db = new ClassicLevel<Buffer, Buffer>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const value = Buffer.from(VALUE.buffer, VALUE.byteOffset, VALUE.byteLength);
  const data = Buffer.from(CHECKPOINT_DATA.buffer, CHECKPOINT_DATA.byteOffset, CHECKPOINT_DATA.byteLength);
  const balanced = { sync: false };
  const counterValue = (n: number) => {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(n, 0);
    return b;
  };
  return {
    kv: {
      get: (i) => db.getSync(KV_KEYS.bytes(i)),
      put: (i) => db.put(KV_KEYS.bytes(i), value, balanced),
      putMany: (from, count) => {
        const ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
        for (let i = from; i < from + count; i++) ops.push({ type: 'put', key: KV_KEYS.bytes(i), value });
        return db.batch(ops, balanced);
      },
      scan: async (from, count) => (await db.iterator({ gte: KV_KEYS.bytes(from), limit: count }).all()).length,
      // One awaited caller at a time, so get-then-put needs no lock here (the adapter serializes instead).
      counter: async (i) => {
        const key = COUNTER_KEYSPACE.bytes(i % COUNTER_KEYS);
        const current = db.getSync(key);
        const next = (current ? current.readDoubleLE(0) : 0) + 1;
        await db.put(key, counterValue(next), balanced);
        return next;
      },
    },
    artifacts: levelArtifacts(db),
    checkpoints: levelCheckpoints(db, data, false),
    strictCheckpoints: levelCheckpoints(db, data, true),
    close: () => db.close(),
  };
}

function levelCheckpoints(db: Db, data: Buffer, sync: boolean): CheckpointTarget {
  const newest = (trace: string, limit: number) => {
    const { lo, hi } = traceBounds('i', trace);
    return db.iterator({ gte: lo, lt: hi, reverse: true, limit }).all();
  };
  const ops = async (trace: string, step: number, seqAfter: { seq: number; id: string | null } | undefined) => {
    let last = seqAfter;
    if (!last) {
      const [entry] = await newest(trace, 1);
      last = entry ? { seq: seqOf(entry[0]), id: (JSON.parse(entry[1].toString('utf8')) as { id: string }).id } : { seq: 0, id: null };
    }
    const seq = last.seq + 1;
    const info = infoJson(trace, seq, last.id, checkpointMetadata(step), data.length);
    return {
      next: { seq, id: (JSON.parse(info) as { id: string }).id },
      ops: [
        { type: 'put' as const, key: checkpointKey('i', trace, seq), value: Buffer.from(info) },
        { type: 'put' as const, key: checkpointKey('d', trace, seq), value: data },
      ],
    };
  };
  return {
    // One awaited caller at a time per trace: read the newest seq, then write info and data in one batch.
    save: async (trace, step) => {
      const { ops: batch } = await ops(trace, step, undefined);
      await db.batch(batch, { sync });
    },
    loadLatest: async (trace) => {
      const [entry] = await newest(trace, 1);
      if (!entry) return undefined;
      const key = checkpointKey('d', trace, seqOf(entry[0]));
      return { ...(JSON.parse(entry[1].toString('utf8')) as object), data: db.getSync(key) };
    },
    list: async (trace, limit) => (await newest(trace, limit)).map(([, v]) => JSON.parse(v.toString('utf8')) as unknown),
    fill: async (trace, count) => {
      let last: { seq: number; id: string | null } | undefined;
      for (let done = 0; done < count; done += 1000) {
        const batch = [];
        for (let k = done; k < Math.min(count, done + 1000); k++) {
          const made = await ops(trace, k, last);
          last = made.next;
          batch.push(...made.ops);
        }
        await db.batch(batch, { sync });
      }
    },
  };
}

function levelArtifacts(db: Db): ArtifactTarget {
  const blob = Buffer.from(ARTIFACT.buffer, ARTIFACT.byteOffset, ARTIFACT.byteLength);
  const balanced = { sync: false };
  return {
    put: (i) => db.put(ARTIFACT_PUT_KEYS.bytes(i), blob, balanced),
    // The put and the delete of the oldest blob in one batch, as the budgeted put commits both at once.
    putEvicting: (i) => {
      const ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }> = [
        { type: 'put', key: ARTIFACT_EVICT_KEYS.bytes(i), value: blob },
      ];
      if (i >= BUDGET_BLOBS) ops.push({ type: 'del', key: ARTIFACT_EVICT_KEYS.bytes(i - BUDGET_BLOBS) });
      return db.batch(ops, balanced);
    },
    get: (i) => db.getSync(ARTIFACT_GET_KEYS.bytes(i % GET_BLOBS)),
    fillGets: async () => {
      for (let i = 0; i < GET_BLOBS; i++) await db.put(ARTIFACT_GET_KEYS.bytes(i), blob, balanced);
    },
  };
}
