import type { DomainStore, Key, KvReader } from '@agentstore/core';
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  maxChannelVersion,
  TASKS,
} from '@langchain/langgraph-checkpoint';
import {
  afterPrefix,
  type CheckpointRecord,
  checkpointKey,
  checkpointPrefix,
  isRecordKey,
  type ValueRecord,
  type Version,
  valueKey,
} from './layout.js';
import { Loads, type StoredCodec } from './stored-codec.js';
import { TupleCache } from './tuple-cache.js';
import type { Located, WriteRow } from './tuple-types.js';
import { row } from './write-row.js';

export type { Located, WriteRow } from './tuple-types.js';

/**
 * Finds checkpoints and builds `CheckpointTuple`s from them in as few reads as it can. A record and
 * its pending writes are neighbours in the checkpoints domain, so the range that finds a record also
 * yields its writes; channel values not carried in records come in one `getMany` per batch. Values
 * stored whole need no serde, so nothing is awaited per value.
 */
export class TupleReader {
  readonly #checkpoints: DomainStore<unknown>;
  readonly #codec: StoredCodec;
  readonly #checkpointBytes: DomainStore<Uint8Array>;
  readonly #nextVersion: (current: number | undefined) => number;
  readonly #cache = new TupleCache();

  /** `checkpointBytes`: the same domain read as stored bytes (`tuple` checks its cache against them). */
  constructor(
    checkpoints: DomainStore<unknown>,
    checkpointBytes: DomainStore<Uint8Array>,
    codec: StoredCodec,
    nextVersion: (current: number | undefined) => number,
  ) {
    this.#checkpoints = checkpoints;
    this.#checkpointBytes = checkpointBytes;
    this.#codec = codec;
    this.#nextVersion = nextVersion;
  }

  /** The newest checkpoint of (thread, ns) with its writes: one reverse range in the common case. */
  async latest(thread: string, ns: string): Promise<Located | undefined> {
    const [found] = await this.descending(thread, ns, undefined, 1);
    return found;
  }

  /** Checkpoint `id` of (thread, ns) with its writes: one forward range. */
  byId(thread: string, ns: string, id: string): Promise<Located | undefined> {
    return this.#checkpoints.read((reader) => byIdIn(reader, thread, ns, id));
  }

  /**
   * The tuple of checkpoint `id` of (thread, ns), or of its newest when `id` is undefined: found and
   * built in one synchronous read where the backend reads synchronously (`TupleCache`, `tupleNow`); a
   * checkpoint `tupleNow` cannot build goes through `tuples`. Settled at once when the read ran synchronously.
   */
  tuple(thread: string, ns: string, id: string | undefined): Promise<CheckpointTuple | undefined> {
    // Unchanged since the cached tuple's bytes were last read (lmdb, sqlite): no read at all.
    const token = this.#checkpointBytes.readToken();
    if (token !== undefined) {
      const hit = this.#cache.unchanged(thread, ns, id, token);
      if (hit !== undefined) return Promise.resolve(hit);
    }
    const state: { ran: boolean; slow: Located | undefined } = { ran: false, slow: undefined };
    const read = this.#checkpointBytes.read((reader) => {
      state.ran = true;
      state.slow = undefined;
      const out = this.#cache.tupleIn(reader, thread, ns, id, token);
      if (out === undefined || !('record' in out)) return out;
      state.slow = out;
      return undefined;
    });
    if (state.ran && state.slow === undefined) return read;
    return read.then((tuple) => (state.slow === undefined ? tuple : this.tuples([state.slow]).then(([first]) => first)));
  }

  /**
   * Up to `want` checkpoints of (thread, ns) below `before` (an id), newest first, each with the writes
   * stored after it: one read (`descendingIn`).
   */
  descending(thread: string, ns: string, before: string | undefined, want: number): Promise<Located[]> {
    return this.#checkpoints.read((reader) => descendingIn(reader, thread, ns, before, want));
  }

  /**
   * The newest page of `thread` when its only namespace is the root one, else undefined; one read.
   * `''` sorts before every other namespace, so a reverse scan of the thread's records meets any other
   * namespace first: when its first record is in `''`, the root namespace's order is the thread's
   * time order and the records come without the time index.
   */
  rootOnly(thread: string, want: number): Promise<Located[] | undefined> {
    return this.#checkpoints.read((reader) => {
      const [newest] = reader.keys({ prefix: checkpointPrefix(thread), reverse: true, limit: 1 });
      if (newest === undefined) return [];
      if ((newest as string[])[2] !== '') return undefined;
      return descendingIn(reader, thread, '', undefined, want);
    });
  }

  /**
   * The checkpoints `ids` of (thread, ns) with their writes, in one range over the span of the ids
   * (contiguous in a page of the thread's time index, so the span holds little else).
   */
  async span(thread: string, ns: string, ids: ReadonlySet<string>): Promise<Map<string, Located>> {
    const out = new Map<string, Located>();
    let low: string | undefined;
    let high: string | undefined;
    for (const id of ids) {
      if (low === undefined || id < low) low = id;
      if (high === undefined || id > high) high = id;
    }
    if (low === undefined || high === undefined) return out;
    const range = { gte: checkpointKey(thread, ns, low), lt: afterPrefix(checkpointKey(thread, ns, high) as string[]) };
    for (const [key, value] of await this.#checkpoints.read((reader) => reader.entries(range))) {
      const id = (key as string[])[3] as string;
      if (!ids.has(id)) continue;
      if (isRecordKey(key)) out.set(id, { thread, ns, id, record: value as CheckpointRecord, writes: [] });
      else out.get(id)?.writes?.push(row(key, value));
    }
    return out;
  }

  /**
   * The tuples of `found`, in its order. `sparse` says the batch may skip checkpoints of its thread
   * (a filtered list): writes not already found are then read per checkpoint rather than over the batch's span.
   */
  async tuples(found: readonly Located[], sparse = false): Promise<CheckpointTuple[]> {
    const n = found.length;
    if (n === 0) return [];
    const missing = found.some((f) => f.writes === undefined);
    const writesRead = missing ? this.#pendingWrites(found, sparse) : undefined;
    // Keep a rejected read from going unhandled while the records are decoded.
    writesRead?.catch(() => {});
    const bases = new Array<Checkpoint>(n);
    const metadata = new Array<CheckpointMetadata>(n);
    let loads = new Loads(this.#codec);
    for (let i = 0; i < n; i++) {
      const { record, metadata: known } = found[i] as Located;
      loads.into(record.checkpoint, bases, i);
      if (known !== undefined) metadata[i] = known;
      else loads.into(record.metadata, metadata, i);
    }
    const decoded = loads.settle();
    if (decoded !== undefined) await decoded;
    // Channel values: those a record carries, the rest from their value entries in one read.
    loads = new Loads(this.#codec);
    const keys: Key[] = [];
    const channels: string[][] = [];
    const valuesOf: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const { thread, ns, record } = found[i] as Located;
      const versions = (bases[i] as Checkpoint).channel_versions ?? {};
      const values: Record<string, unknown> = {};
      valuesOf.push(values);
      const names = record.refs === undefined ? uncopied(record, versions) : record.refs;
      if (record.values !== undefined) for (const [channel, value] of record.values) loads.into(value, values, channel);
      for (const channel of names) keys.push(valueKey(thread, ns, channel, versions[channel] as Version));
      channels.push(names as string[]);
    }
    // Most reads have nothing left to fetch (values carried, writes met with the record): no await then.
    let stored: unknown[] = [];
    let writes: WriteRow[][] | undefined;
    if (keys.length > 0 || writesRead !== undefined)
      [stored, writes] = await Promise.all([keys.length > 0 ? this.#checkpoints.getMany(keys) : stored, writesRead]);
    const tuples: CheckpointTuple[] = [];
    let k = 0;
    for (let i = 0; i < n; i++) {
      const { thread, ns, id, record, writes: own } = found[i] as Located;
      const values = valuesOf[i] as Record<string, unknown>;
      for (const channel of channels[i] as string[]) {
        const value = stored[k++] as ValueRecord | undefined;
        if (value !== undefined && value !== null) loads.into(value, values, channel);
      }
      const checkpoint = bases[i] as Checkpoint;
      checkpoint.channel_values = values;
      const rows = own ?? writes?.[i] ?? [];
      if (rows.length > 1) rows.sort((a, b) => compareWritesSortKeys(a.sort, b.sort));
      const pendingWrites: CheckpointPendingWrite[] = [];
      for (const r of rows) {
        const entry: [string, string, unknown] = [r.taskId, r.record.channel, undefined];
        pendingWrites.push(entry);
        loads.into(r.record.value, entry, 2);
      }
      const tuple: CheckpointTuple = {
        config: { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: id } },
        checkpoint,
        metadata: metadata[i] as CheckpointMetadata,
        pendingWrites,
      };
      if (record.parentId !== undefined)
        tuple.parentConfig = { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: record.parentId } };
      tuples.push(tuple);
    }
    const loaded = loads.settle();
    if (loaded !== undefined) await loaded;
    for (const tuple of tuples) {
      const parentId = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
      if (tuple.checkpoint.v < 4 && parentId !== undefined) await this.#migratePendingSends(tuple, parentId);
    }
    return tuples;
  }

  /** The pending writes of each checkpoint of `found` (by index). */
  async #pendingWrites(found: readonly Located[], sparse: boolean): Promise<WriteRow[][]> {
    const out: WriteRow[][] = found.map(() => []);
    if (found.length === 1 || sparse) {
      await Promise.all(
        found.map(async ({ thread, ns, id, writes }, i) => {
          if (writes !== undefined) return;
          const range = { prefix: checkpointPrefix(thread, ns, id) };
          for (const [key, value] of await this.#checkpoints.read((reader) => reader.entries(range)))
            if (!isRecordKey(key)) (out[i] as WriteRow[]).push(row(key, value));
        }),
      );
      return out;
    }
    // One range per (thread, namespace) over the span of the batch's ids: a page is contiguous there.
    const groups = new Map<string, Map<string, number>>();
    found.forEach(({ thread, ns, id, writes }, i) => {
      if (writes !== undefined) return;
      const group = JSON.stringify([thread, ns]);
      let ids = groups.get(group);
      if (ids === undefined) {
        ids = new Map();
        groups.set(group, ids);
      }
      ids.set(id, i);
    });
    await Promise.all(
      [...groups].map(async ([group, ids]) => {
        const [thread, ns] = JSON.parse(group) as [string, string];
        let low: string | undefined;
        let high: string | undefined;
        for (const id of ids.keys()) {
          if (low === undefined || id < low) low = id;
          if (high === undefined || id > high) high = id;
        }
        const range = {
          gte: checkpointKey(thread, ns, low as string),
          lt: afterPrefix(checkpointKey(thread, ns, high as string) as string[]),
        };
        for (const [key, value] of await this.#checkpoints.read((reader) => reader.entries(range))) {
          if (isRecordKey(key)) continue;
          const i = ids.get((key as string[])[3] as string);
          if (i !== undefined) (out[i] as WriteRow[]).push(row(key, value));
        }
      }),
    );
    return out;
  }

  /** Checkpoints before format v4 kept pending sends as writes of the parent; LangGraph expects them as a channel. */
  async #migratePendingSends(tuple: CheckpointTuple, parentId: string): Promise<void> {
    const { thread_id: thread, checkpoint_ns: ns } = tuple.config.configurable as { thread_id: string; checkpoint_ns: string };
    const [rows] = await this.#pendingWrites([{ thread, ns, id: parentId, record: undefined as never }], false);
    const sends = await Promise.all(
      (rows as WriteRow[]).filter(({ record }) => record.channel === TASKS).map(({ record }) => this.#codec.load(record.value)),
    );
    const { checkpoint } = tuple;
    checkpoint.channel_values[TASKS] = sends;
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.#nextVersion(undefined);
  }
}

/**
 * `TupleReader.descending` on `reader`: reverse ranges, growing, until it has `want`. The first reads
 * `want` entries, all of them decoded: as many as a page of checkpoints without pending writes (the
 * newest of a finished run has none), and one row on SQLite is a cheaper statement. With writes, the
 * next ranges take more, on the same snapshot.
 */
function descendingIn(reader: KvReader<unknown>, thread: string, ns: string, before: string | undefined, want: number): Located[] {
  const out: Located[] = [];
  let chunk = want;
  const prefix = checkpointPrefix(thread, ns);
  let upper: Key | undefined = before === undefined ? undefined : checkpointKey(thread, ns, before);
  let writes: WriteRow[] = [];
  let writesOf: string | undefined;
  for (;;) {
    const rows = reader.entries({ prefix, ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: chunk });
    for (const [key, value] of rows) {
      const id = (key as string[])[3] as string;
      if (isRecordKey(key)) {
        // Writes met before the record are its own unless they name another (a record never written).
        out.push({ thread, ns, id, record: value as CheckpointRecord, writes: writesOf === id ? writes : [] });
        writes = [];
        writesOf = undefined;
        if (out.length === want) return out;
      } else {
        if (writesOf !== id) {
          writes = [];
          writesOf = id;
        }
        writes.push(row(key, value));
      }
    }
    const last = rows[rows.length - 1];
    if (rows.length < chunk || last === undefined) return out;
    upper = last[0];
    chunk = Math.min(Math.max(chunk * 4, 16), 1024);
  }
}

/** `TupleReader.byId` on `reader`: the record and the writes stored after it. */
function byIdIn(reader: KvReader<unknown>, thread: string, ns: string, id: string): Located | undefined {
  let found: Located | undefined;
  const writes: WriteRow[] = [];
  for (const [key, value] of reader.entries({ prefix: checkpointPrefix(thread, ns, id) })) {
    if (isRecordKey(key)) found = { thread, ns, id, record: value as CheckpointRecord, writes };
    else writes.push(row(key, value));
  }
  return found;
}

/** Channels of a record written before `refs` existed that it carries no copy of: each is read from its entry. */
function uncopied(record: CheckpointRecord, versions: Record<string, Version>): string[] {
  const copied = record.values === undefined ? undefined : new Set(record.values.map(([channel]) => channel));
  return Object.keys(versions).filter((channel) => !copied?.has(channel));
}
