import { createHash } from 'node:crypto';
import { type BlobCheckpointStore, type DomainStore, defaultCodec, type Key, StoreError } from '@agentstore/core';
import { type CheckpointRecord, checkpointKey, checkpointPrefix, isRecordKey, timeKey } from './layout.js';

// The heads domain keeps every committed record until it is trimmed; trim to the newest one this often.
const TRIM_EVERY = 32;
const MAX_TRACE = 256;

/** A committed head: the LangGraph checkpoint id, its record (and the record's bytes), and the heads domain's id for it. */
export interface Head {
  readonly id: string;
  readonly record: CheckpointRecord;
  readonly bytes: Uint8Array;
  readonly saveId: string;
}

/** The kv encoding of the index entry `['t', …] → 0`. */
const INDEX_VALUE = defaultCodec.encode(0);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The head trace of (thread, namespace): readable JSON, or hashed when that is too long for a trace id. */
export function headTrace(thread: string, ns: string): string {
  const readable = JSON.stringify([thread, ns]);
  return readable.length <= MAX_TRACE ? readable : `sha256:${sha256(thread)}:${sha256(readable)}`;
}

/** Prefixes of every head trace of `thread` (readable and hashed). */
function tracePrefixes(thread: string): string[] {
  return [`${JSON.stringify([thread]).slice(0, -1)},`, `sha256:${sha256(thread)}:`];
}

/**
 * Compare-and-set of a thread's newest checkpoint for `exclusiveThreads`. A checkpoint-kind domain
 * keeps one trace per (thread, namespace); committing a checkpoint is one `save` with `expectLatest`
 * set to the head the writer resumed from, so the check and the durable write are one transaction and
 * of two writers resuming the same head exactly one commits. The saved data is the whole checkpoint
 * record: the copy in the checkpoints domain is written right after, and if the writer dies in between,
 * the next commit (or a read of the latest checkpoint) restores it from the head.
 */
export class ThreadHeads {
  readonly #heads: BlobCheckpointStore;
  readonly #checkpoints: DomainStore<Uint8Array>;

  /** `checkpoints` is a raw-codec handle on the checkpoints domain: records are written as the bytes they were encoded to. */
  constructor(heads: BlobCheckpointStore, checkpoints: DomainStore<Uint8Array>) {
    this.#heads = heads;
    this.#checkpoints = checkpoints;
  }

  /** The committed head of (thread, ns), or undefined when the thread has none yet. */
  async latest(thread: string, ns: string): Promise<Head | undefined> {
    const head = await this.#heads.loadLatest(headTrace(thread, ns));
    if (head === undefined) return undefined;
    const id = head.metadata.checkpoint_id;
    if (typeof id !== 'string') throw new StoreError('CORRUPT', `head of thread ${JSON.stringify(thread)} names no checkpoint`);
    return { id, record: defaultCodec.decode(head.data) as CheckpointRecord, bytes: head.data, saveId: head.id };
  }

  /**
   * Commits checkpoint `id` (its record encoded as `record`) when the head of (thread, ns) is `parentId`
   * (undefined: the thread must have no checkpoint yet), else rejects with `CONFLICT` and writes
   * nothing; then writes its record.
   */
  async commit(thread: string, ns: string, parentId: string | undefined, id: string, record: Uint8Array): Promise<void> {
    const trace = headTrace(thread, ns);
    const head = await this.latest(thread, ns);
    const entries: Array<readonly [Key, Uint8Array]> = [];
    let expectLatest: string | null = null;
    if (head !== undefined) {
      if (head.id !== parentId) throw conflict(thread, ns, head.id, parentId);
      expectLatest = head.saveId;
      if (!(await this.#checkpoints.has(checkpointKey(thread, ns, head.id))))
        entries.push(...recordEntries(thread, ns, head.id, head.bytes));
    } else {
      // A thread written before exclusiveThreads was turned on has its newest checkpoint only in kv.
      const newest = await this.#newestStored(thread, ns);
      if (newest !== parentId) throw conflict(thread, ns, newest, parentId);
    }
    const saved = await this.#heads.save(trace, { data: record, metadata: { checkpoint_id: id }, expectLatest });
    entries.push(...recordEntries(thread, ns, id, record));
    await this.#checkpoints.putMany(entries);
    if (saved.seq % TRIM_EVERY === 0) await this.#heads.prune(trace, 1);
  }

  /** Makes checkpoint `id` the head of a thread that has none (copyThread); `CONFLICT` if it has one. */
  async seed(thread: string, ns: string, id: string, record: Uint8Array): Promise<void> {
    await this.#heads.save(headTrace(thread, ns), {
      data: record,
      metadata: { checkpoint_id: id },
      expectLatest: null,
    });
  }

  /** Whether `thread` has a head in any namespace. */
  async exists(thread: string): Promise<boolean> {
    for (const prefix of tracePrefixes(thread)) if ((await this.#heads.traces({ prefix, limit: 1 })).length > 0) return true;
    return false;
  }

  /** Drops the heads of every namespace of `thread`. */
  async drop(thread: string): Promise<void> {
    for (const prefix of tracePrefixes(thread)) {
      for (;;) {
        const traces = await this.#heads.traces({ prefix, limit: 64 });
        if (traces.length === 0) break;
        for (const trace of traces) await this.#heads.deleteTrace(trace);
      }
    }
  }

  /** Keeps only the newest head record of each namespace of `thread`. */
  async trim(thread: string): Promise<void> {
    for (const prefix of tracePrefixes(thread)) {
      let after: string | undefined;
      for (;;) {
        const traces = await this.#heads.traces({ prefix, limit: 64, ...(after === undefined ? {} : { after }) });
        for (const trace of traces) await this.#heads.prune(trace, 1);
        if (traces.length < 64) break;
        after = traces[traces.length - 1];
      }
    }
  }

  async #newestStored(thread: string, ns: string): Promise<string | undefined> {
    // Pending writes sort after their record: the first record met going down is the newest.
    for await (const key of this.#checkpoints.keys({ prefix: checkpointPrefix(thread, ns), reverse: true })) {
      if (isRecordKey(key)) return (key as string[])[3];
    }
    return undefined;
  }
}

/**
 * The kv entries of one checkpoint record (`record` encoded with agentstore's default codec), for a
 * raw-codec handle: the record, and its time index entry outside the root namespace (`newest-first.ts`).
 */
export function recordEntries(thread: string, ns: string, id: string, record: Uint8Array): Array<readonly [Key, Uint8Array]> {
  const entries: Array<readonly [Key, Uint8Array]> = [[checkpointKey(thread, ns, id), record]];
  if (ns !== '') entries.push([timeKey(thread, id, ns), INDEX_VALUE]);
  return entries;
}

function conflict(thread: string, ns: string, head: string | undefined, parent: string | undefined): StoreError {
  return new StoreError(
    'CONFLICT',
    `thread ${JSON.stringify(thread)} namespace ${JSON.stringify(ns)}: newest checkpoint is ${head ?? 'none'}, this put resumes from ${parent ?? 'none'}`,
  );
}
