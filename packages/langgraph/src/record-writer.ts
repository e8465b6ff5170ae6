import { type DomainStore, isStoreError, type Key } from '@agentstore/core';
import type { Checkpoint, CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import { type CheckpointRecord, checkpointKey, expiryKey, type StoredValue, timeKey } from './layout.js';
import type { PutPlan } from './put-plan.js';
import type { StoredCodec } from './stored-codec.js';
import { recordEntries } from './thread-heads.js';
import type { ThreadTtl } from './thread-ttl.js';

/** A checkpoint without its channel values (those go by the `PutPlan`). */
export type CheckpointRest = Omit<Checkpoint, 'channel_values'>;

/**
 * Turns a `put`'s plan and a `putWrites`'s writes into the entries of one commit. With the stock serde
 * the entries go as the values themselves, encoded once on their way into the commit; when one holds
 * what agentstore's codec cannot store (nothing is written then), they are made through the serde.
 */
export class RecordWriter {
  readonly #checkpoints: DomainStore<unknown>;
  readonly #checkpointBytes: DomainStore<Uint8Array>;
  readonly #codec: StoredCodec;
  readonly #ttl: ThreadTtl | undefined;

  constructor(checkpoints: DomainStore<unknown>, checkpointBytes: DomainStore<Uint8Array>, codec: StoredCodec, ttl: ThreadTtl | undefined) {
    this.#checkpoints = checkpoints;
    this.#checkpointBytes = checkpointBytes;
    this.#codec = codec;
    this.#ttl = ttl;
  }

  /**
   * Commits a checkpoint's new value entries, its record, its index entry (outside the root namespace)
   * and the thread's expiry (with `ttl`) in one `putMany`.
   */
  async commit(
    thread: string,
    ns: string,
    id: string,
    rest: CheckpointRest,
    metadata: CheckpointMetadata,
    parentId: string | undefined,
    plan: PutPlan,
  ): Promise<void> {
    const ttl = this.#ttl;
    const whole = this.#codec.whole;
    if (whole) {
      const entries: Array<readonly [Key, unknown]> = [];
      for (const [key, value] of plan.changed) entries.push([key, [value]]);
      const carried: StoredValue[] = [];
      for (const value of plan.carried) carried.push([value]);
      entries.push([checkpointKey(thread, ns, id), recordShape([rest], [metadata], carried, parentId, plan)]);
      if (ns !== '') entries.push([timeKey(thread, id, ns), 0]);
      if (ttl !== undefined) entries.push([expiryKey(thread), ttl.expiry()]);
      try {
        await this.#checkpoints.putMany(entries);
        return;
      } catch (err) {
        if (!isStoreError(err, 'INVALID_VALUE')) throw err;
      }
    }
    const { record, entries } = await this.encode(rest, metadata, parentId, plan, !whole);
    if (ttl !== undefined) entries.push(ttl.entry(thread));
    entries.push(...recordEntries(thread, ns, id, record));
    await this.#checkpointBytes.putMany(entries);
  }

  /** A checkpoint's record and new value entries as bytes (`tryWhole`: see `StoredCodec.encode`). */
  async encode(
    rest: CheckpointRest,
    metadata: CheckpointMetadata,
    parentId: string | undefined,
    plan: PutPlan,
    tryWhole = true,
  ): Promise<{ record: Uint8Array; entries: Array<readonly [Key, Uint8Array]> }> {
    const [record, ...values] = await Promise.all([
      this.#codec.encode(
        [rest, metadata, ...plan.carried],
        ([checkpoint, meta, ...carried]) => recordShape(checkpoint as StoredValue, meta as StoredValue, carried, parentId, plan),
        tryWhole,
      ),
      ...plan.changed.map(([, value]) => this.#codec.encode([value], onlyValue, tryWhole)),
    ]);
    return { record: record as Uint8Array, entries: plan.changed.map(([key], i) => [key, values[i] as Uint8Array]) };
  }

  /** Commits pending writes `[key, channel, value]` of task path `taskPath` in one `putMany`. */
  async writes(fresh: ReadonlyArray<readonly [Key, string, unknown]>, taskPath: string): Promise<void> {
    const whole = this.#codec.whole;
    if (whole) {
      try {
        await this.#checkpoints.putMany(fresh.map(([key, channel, value]) => [key, { channel, taskPath, value: [value] }] as const));
        return;
      } catch (err) {
        if (!isStoreError(err, 'INVALID_VALUE')) throw err;
      }
    }
    const entries = await Promise.all(
      fresh.map(async ([key, channel, value]): Promise<readonly [Key, Uint8Array]> => {
        const bytes = await this.#codec.encode([value], ([stored]) => ({ channel, taskPath, value: stored }), !whole);
        return [key, bytes];
      }),
    );
    await this.#checkpointBytes.putMany(entries);
  }
}

/** The shape of a channel value's entry: the stored value itself. */
function onlyValue([stored]: StoredValue[]): StoredValue {
  return stored as StoredValue;
}

/** A checkpoint record around its stored parts (`carried`: the values of `plan.names`, in order). */
function recordShape(
  checkpoint: StoredValue,
  metadata: StoredValue,
  carried: readonly StoredValue[],
  parentId: string | undefined,
  plan: PutPlan,
): CheckpointRecord {
  const record: { -readonly [K in keyof CheckpointRecord]: CheckpointRecord[K] } = { checkpoint, metadata };
  if (parentId !== undefined) record.parentId = parentId;
  if (plan.names.length > 0) record.values = plan.names.map((channel, i) => [channel, carried[i] as StoredValue] as const);
  record.refs = plan.refs;
  return record;
}
