import type { DomainStore, Key } from '@agentstore/core';
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  maxChannelVersion,
  TASKS,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import { afterPrefix, type CheckpointRecord, type ValueRecord, type Version, valueKey, type WriteRecord, writesPrefix } from './layout.js';
import { Loads, type StoredCodec } from './stored-codec.js';

/** A stored checkpoint located by thread, namespace and id. */
export interface Located {
  readonly thread: string;
  readonly ns: string;
  readonly id: string;
  readonly record: CheckpointRecord;
  /** Its metadata, once something (a `list` filter) has loaded it. */
  metadata?: CheckpointMetadata;
}

/** One stored pending write with its place in LangGraph's replay order. */
interface WriteRow {
  readonly sort: ReturnType<typeof writesSortKey>;
  readonly taskId: string;
  readonly record: WriteRecord;
}

/**
 * Builds `CheckpointTuple`s from located records in as few reads as it can: the pending writes of a
 * batch in one range per (thread, namespace), started before anything is decoded, and every channel
 * value of the batch in one `getMany`. Values stored whole need no serde, so nothing is awaited per value.
 */
export class TupleReader {
  readonly #checkpoints: DomainStore<unknown>;
  readonly #writes: DomainStore<unknown>;
  readonly #codec: StoredCodec;
  readonly #nextVersion: (current: number | undefined) => number;

  constructor(
    checkpoints: DomainStore<unknown>,
    writes: DomainStore<unknown>,
    codec: StoredCodec,
    nextVersion: (current: number | undefined) => number,
  ) {
    this.#checkpoints = checkpoints;
    this.#writes = writes;
    this.#codec = codec;
    this.#nextVersion = nextVersion;
  }

  /**
   * The tuples of `found`, in its order. `sparse` says the batch may skip checkpoints of its thread
   * (a filtered list): pending writes are then read per checkpoint rather than over the batch's span.
   */
  async tuples(found: readonly Located[], sparse = false): Promise<CheckpointTuple[]> {
    const n = found.length;
    if (n === 0) return [];
    const writesRead = this.#pendingWrites(found, sparse);
    // Keep a rejected read from going unhandled while the records are decoded.
    writesRead.catch(() => {});
    const bases = new Array<Checkpoint>(n);
    const metadata = new Array<CheckpointMetadata>(n);
    let loads = new Loads(this.#codec);
    for (let i = 0; i < n; i++) {
      const { record, metadata: known } = found[i] as Located;
      loads.add(record.checkpoint, (value) => {
        bases[i] = value as Checkpoint;
      });
      if (known !== undefined) metadata[i] = known;
      else
        loads.add(record.metadata, (value) => {
          metadata[i] = value as CheckpointMetadata;
        });
    }
    const decoded = loads.settle();
    if (decoded !== undefined) await decoded;
    // Channel values: the copies a record carries, the rest from their 'v' entries in one read.
    loads = new Loads(this.#codec);
    const keys: Key[] = [];
    const channels: string[][] = [];
    const valuesOf: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const { thread, ns, record } = found[i] as Located;
      const versions = (bases[i] as Checkpoint).channel_versions ?? {};
      const values: Record<string, unknown> = {};
      valuesOf.push(values);
      let copied: Set<string> | undefined;
      if (record.values !== undefined) {
        copied = new Set();
        for (const [channel, value] of record.values) {
          copied.add(channel);
          loads.add(value, (v) => {
            values[channel] = v;
          });
        }
      }
      const names: string[] = [];
      for (const channel of Object.keys(versions)) {
        if (copied?.has(channel)) continue;
        names.push(channel);
        keys.push(valueKey(thread, ns, channel, versions[channel] as Version));
      }
      channels.push(names);
    }
    const [stored, writes] = await Promise.all([keys.length > 0 ? this.#checkpoints.getMany(keys) : [], writesRead]);
    const tuples: CheckpointTuple[] = [];
    let k = 0;
    for (let i = 0; i < n; i++) {
      const { thread, ns, id, record } = found[i] as Located;
      const values = valuesOf[i] as Record<string, unknown>;
      for (const channel of channels[i] as string[]) {
        const value = stored[k++] as ValueRecord | undefined;
        if (value !== undefined && value !== null)
          loads.add(value, (v) => {
            values[channel] = v;
          });
      }
      const checkpoint = bases[i] as Checkpoint;
      checkpoint.channel_values = values;
      const pendingWrites: CheckpointPendingWrite[] = [];
      for (const row of writes[i] ?? []) {
        const entry: [string, string, unknown] = [row.taskId, row.record.channel, undefined];
        pendingWrites.push(entry);
        loads.add(row.record.value, (v) => {
          entry[2] = v;
        });
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

  /** The pending writes of each checkpoint of `found` (by index), sorted in LangGraph's replay order. */
  async #pendingWrites(found: readonly Located[], sparse: boolean): Promise<WriteRow[][]> {
    const out: WriteRow[][] = found.map(() => []);
    if (found.length === 1 || sparse) {
      await Promise.all(
        found.map(async ({ thread, ns, id }, i) => {
          for await (const [key, record] of this.#writes.entries({ prefix: writesPrefix(thread, ns, id) })) {
            (out[i] as WriteRow[]).push(row(key, record));
          }
        }),
      );
    } else {
      // One range per (thread, namespace) over the span of the batch's ids: a page is contiguous there.
      const groups = new Map<string, Map<string, number>>();
      found.forEach(({ thread, ns, id }, i) => {
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
          const range = { gte: [thread, ns, low as string], lt: afterPrefix([thread, ns, high as string]) };
          for await (const [key, record] of this.#writes.entries(range)) {
            const i = ids.get((key as string[])[2] as string);
            if (i !== undefined) (out[i] as WriteRow[]).push(row(key, record));
          }
        }),
      );
    }
    for (const rows of out) if (rows.length > 1) rows.sort((a, b) => compareWritesSortKeys(a.sort, b.sort));
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

function row(key: Key, record: unknown): WriteRow {
  const [, , , taskId, idx] = key as [string, string, string, string, number];
  const write = record as WriteRecord;
  return { sort: writesSortKey(write.taskPath, taskId, idx), taskId, record: write };
}
