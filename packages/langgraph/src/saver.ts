import { type DomainStore, type Key, type Store, StoreError } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  getCheckpointId,
  maxChannelVersion,
  type PendingWrite,
  TASKS,
  WRITES_IDX_MAP,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import { matchesFilter } from './filter.js';
import {
  type BlobRecord,
  blobKey,
  type CheckpointRecord,
  checkpointKey,
  checkpointPrefix,
  type Serialized,
  timePrefix,
  type Version,
  type WriteRecord,
  writeKey,
  writesPrefix,
} from './layout.js';
import { type AgentstoreSaverOptions, type ResolvedSaverOptions, resolveSaverOptions } from './options.js';
import { descending, PAGE } from './paging.js';
import { AgentstoreSerde } from './serde.js';
import { recordEntries, ThreadHeads } from './thread-heads.js';
import { ThreadMaintenance } from './thread-maintenance.js';

/** A stored checkpoint located by thread, namespace and id. */
interface Located {
  readonly thread: string;
  readonly ns: string;
  readonly id: string;
  readonly record: CheckpointRecord;
}

/**
 * A LangGraph.js checkpointer on agentstore domains.
 *
 * ```ts
 * const store = await createStore({ adapters: [sqliteAdapter], domains: { checkpoint_blobs: { adapter: 'lmdb' } } });
 * const checkpointer = new AgentstoreSaver(store);
 * const graph = builder.compile({ checkpointer });
 * ```
 *
 * Checkpoint records, pending writes and channel values live in three kv domains (each routable); a
 * checkpoint stores only the channels `put` was told changed, one value per (channel, version). `list`
 * is a reverse key scan read a page at a time, so it never loads a whole thread.
 */
export class AgentstoreSaver extends BaseCheckpointSaver {
  /** The resolved options: domain names and `exclusiveThreads`. */
  readonly options: ResolvedSaverOptions;
  readonly #checkpoints: DomainStore<unknown>;
  readonly #writes: DomainStore<unknown>;
  readonly #blobs: DomainStore<unknown>;
  readonly #heads: ThreadHeads | undefined;
  readonly #maintenance: ThreadMaintenance;

  constructor(store: Store, options: AgentstoreSaverOptions = {}) {
    const resolved = resolveSaverOptions(options);
    super(options.serde ?? new AgentstoreSerde());
    this.options = resolved;
    this.#checkpoints = store.kv(resolved.checkpoints);
    this.#writes = store.kv(resolved.writes);
    this.#blobs = store.kv(resolved.blobs);
    this.#heads = resolved.exclusiveThreads ? new ThreadHeads(store.checkpoints(resolved.heads), this.#checkpoints) : undefined;
    this.#maintenance = new ThreadMaintenance(this.#checkpoints, this.#writes, this.#blobs, this.#heads, async (record) => {
      const checkpoint = (await this.#loads(record.checkpoint)) as Partial<Checkpoint>;
      return checkpoint.channel_versions ?? {};
    });
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const thread = threadOf(config);
    if (thread === undefined) return undefined;
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config) || undefined;
    const found = id === undefined ? await this.#newest(thread, ns) : await this.#find(thread, ns, id);
    return found && this.#tuple(found);
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0))
      throw new StoreError('INVALID_VALUE', 'list limit must be a non-negative integer');
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    if (remaining === 0) return;
    const thread = threadOf(config);
    const ns = namespaceOf(config);
    const only = getCheckpointId(config) || undefined;
    const beforeId = before === undefined ? undefined : getCheckpointId(before) || undefined;
    const hasFilter = filter !== undefined && Object.keys(filter).length > 0;
    const pageSize = hasFilter ? PAGE : Math.min(remaining, PAGE);
    for await (const found of this.#candidates(thread, ns, beforeId, only, pageSize)) {
      const metadata = (await this.#loads(found.record.metadata)) as CheckpointMetadata;
      if (hasFilter && !matchesFilter(metadata, filter)) continue;
      yield await this.#tuple(found, metadata);
      if (--remaining === 0) return;
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const thread = requireThread(config, 'put a checkpoint');
    const ns = namespaceOf(config) ?? '';
    const parentId = getCheckpointId(config) || undefined;
    if (typeof checkpoint?.id !== 'string' || checkpoint.id === '')
      throw new StoreError('INVALID_VALUE', 'checkpoint.id must be a non-empty string');
    const { channel_values: values, ...rest } = checkpoint;
    // Only channels LangGraph says changed are written; the rest are found at their older versions.
    const blobs = await Promise.all(
      Object.entries(newVersions).map(async ([channel, version]): Promise<readonly [Key, BlobRecord]> => {
        const key = blobKey(thread, ns, channel, checkVersion(version));
        return [key, Object.hasOwn(values ?? {}, channel) ? await this.#dumps((values as Record<string, unknown>)[channel]) : null];
      }),
    );
    const record: CheckpointRecord = {
      checkpoint: await this.#dumps(rest),
      metadata: await this.#dumps(metadata),
      ...(parentId === undefined ? {} : { parentId }),
    };
    // Values first, record last: a record is never visible before the values it names.
    if (blobs.length > 0) await this.#blobs.putMany(blobs);
    if (this.#heads) await this.#heads.commit(thread, ns, parentId, checkpoint.id, record);
    else await this.#checkpoints.putMany(recordEntries(thread, ns, checkpoint.id, record));
    return { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const thread = requireThread(config, 'put writes');
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config);
    if (!id) throw new StoreError('INVALID_VALUE', 'putWrites needs config.configurable.checkpoint_id');
    if (typeof taskId !== 'string') throw new StoreError('INVALID_VALUE', 'putWrites needs a string taskId');
    const entries = await Promise.all(
      writes.map(async ([channel, value], i): Promise<readonly [Key, WriteRecord]> => {
        const idx = WRITES_IDX_MAP[channel] ?? i;
        return [writeKey(thread, ns, id, taskId, idx), { channel, taskPath, value: await this.#dumps(value) }];
      }),
    );
    // Special writes (errors, interrupts, …) replace an earlier one; a regular write is kept as first
    // stored, so a retried task cannot change what a resumed run replays.
    const regular = entries.filter(([key]) => ((key as unknown[])[4] as number) >= 0);
    const existing = regular.length > 0 ? await this.#writes.getMany(regular.map(([key]) => key)) : [];
    const taken = new Set(regular.filter((_, i) => existing[i] !== undefined).map(([key]) => key));
    const fresh = entries.filter((entry) => !taken.has(entry[0]));
    if (fresh.length > 0) await this.#writes.putMany(fresh);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.#maintenance.deleteThread(requireString(threadId, 'threadId'));
  }

  /**
   * Keeps the newest `keep` checkpoints of each namespace of the thread and removes the older ones with
   * their pending writes and the channel values nothing kept refers to. Returns how many checkpoints it removed.
   */
  async prune(threadId: string, keep: number): Promise<number> {
    if (!(Number.isSafeInteger(keep) && keep >= 0)) throw new StoreError('INVALID_VALUE', 'keep must be a non-negative integer');
    return this.#maintenance.prune(requireString(threadId, 'threadId'), keep);
  }

  /** Copies every checkpoint, write and channel value of `from` to the empty thread `to` (`CONFLICT` if it is not). */
  async copyThread(from: string, to: string): Promise<void> {
    await this.#maintenance.copyThread(requireString(from, 'from'), requireString(to, 'to'));
  }

  /**
   * The next integer plus a random fraction: still a number, still increasing, but two forks of one
   * thread never write different values under the same (channel, version).
   */
  override getNextVersion(current: number | undefined): number {
    const previous: unknown = current;
    const n = typeof previous === 'number' ? previous : typeof previous === 'string' ? Number.parseFloat(previous) : 0;
    return Math.floor(Number.isFinite(n) ? n : 0) + 1 + Math.random();
  }

  async #newest(thread: string, ns: string): Promise<Located | undefined> {
    if (this.#heads) {
      const head = await this.#heads.latest(thread, ns);
      if (head) return { thread, ns, id: head.id, record: head.record };
    }
    for await (const [key, record] of descending(this.#checkpoints, checkpointPrefix(thread, ns), undefined, 1)) {
      return { thread, ns, id: (key as string[])[3] as string, record: record as CheckpointRecord };
    }
    return undefined;
  }

  async #find(thread: string, ns: string, id: string): Promise<Located | undefined> {
    const record = (await this.#checkpoints.get(checkpointKey(thread, ns, id))) as CheckpointRecord | undefined;
    if (record) return { thread, ns, id, record };
    // With exclusiveThreads, the newest record may so far exist only as the head (its writer died mid-put).
    const head = this.#heads && (await this.#heads.latest(thread, ns));
    return head && head.id === id ? { thread, ns, id, record: head.record } : undefined;
  }

  /** Checkpoints matching the list arguments, newest first within a thread, streamed page by page. */
  async *#candidates(
    thread: string | undefined,
    ns: string | undefined,
    before: string | undefined,
    only: string | undefined,
    pageSize: number,
  ): AsyncGenerator<Located> {
    if (thread !== undefined && ns !== undefined) {
      if (only !== undefined) {
        const found = before === undefined || only < before ? await this.#find(thread, ns, only) : undefined;
        if (found) yield found;
        return;
      }
      const lt = before === undefined ? undefined : checkpointKey(thread, ns, before);
      for await (const [key, record] of descending(this.#checkpoints, checkpointPrefix(thread, ns), lt, pageSize)) {
        yield { thread, ns, id: (key as string[])[3] as string, record: record as CheckpointRecord };
      }
      return;
    }
    // Without a namespace, walk the per-thread time index (all threads when none is given, thread by thread).
    const lt = thread !== undefined && before !== undefined ? [...(timePrefix(thread) as string[]), before] : undefined;
    let batch: Array<readonly [string, string, string]> = [];
    for await (const [key] of descending(this.#checkpoints, timePrefix(thread), lt, pageSize)) {
      const [, t, id, n] = key as [string, string, string, string];
      if (ns !== undefined && n !== ns) continue;
      if (before !== undefined && !(id < before)) continue;
      if (only !== undefined && id !== only) continue;
      batch.push([t, id, n]);
      if (batch.length < pageSize) continue;
      yield* await this.#records(batch);
      batch = [];
    }
    if (batch.length > 0) yield* await this.#records(batch);
  }

  /** The records of index entries `[thread, id, ns]`, in one read. */
  async #records(batch: ReadonlyArray<readonly [string, string, string]>): Promise<Located[]> {
    const records = await this.#checkpoints.getMany(batch.map(([t, id, n]) => checkpointKey(t, n, id)));
    const out: Located[] = [];
    batch.forEach(([thread, id, ns], i) => {
      const record = records[i] as CheckpointRecord | undefined;
      if (record !== undefined) out.push({ thread, ns, id, record });
    });
    return out;
  }

  async #tuple(found: Located, loadedMetadata?: CheckpointMetadata): Promise<CheckpointTuple> {
    const { thread, ns, id, record } = found;
    const [base, metadata, pendingWrites] = await Promise.all([
      this.#loads(record.checkpoint) as Promise<Omit<Checkpoint, 'channel_values'>>,
      loadedMetadata ?? (this.#loads(record.metadata) as Promise<CheckpointMetadata>),
      this.#pendingWrites(thread, ns, id),
    ]);
    const checkpoint: Checkpoint = { ...base, channel_values: await this.#channelValues(thread, ns, base.channel_versions ?? {}) };
    if (checkpoint.v < 4 && record.parentId !== undefined) await this.#migratePendingSends(checkpoint, thread, ns, record.parentId);
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: id } },
      checkpoint,
      metadata,
      pendingWrites,
    };
    if (record.parentId !== undefined)
      tuple.parentConfig = { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: record.parentId } };
    return tuple;
  }

  async #channelValues(thread: string, ns: string, versions: ChannelVersions): Promise<Record<string, unknown>> {
    const channels = Object.keys(versions);
    if (channels.length === 0) return {};
    const stored = await this.#blobs.getMany(channels.map((ch) => blobKey(thread, ns, ch, versions[ch] as Version)));
    const values: Record<string, unknown> = {};
    await Promise.all(
      channels.map(async (channel, i) => {
        const blob = stored[i] as BlobRecord | undefined;
        if (blob) values[channel] = await this.#loads(blob);
      }),
    );
    return values;
  }

  /** The pending writes of a checkpoint in LangGraph's replay order: task path, task id, index. */
  async #pendingWrites(thread: string, ns: string, id: string): Promise<CheckpointPendingWrite[]> {
    const rows: Array<{ sort: ReturnType<typeof writesSortKey>; taskId: string; record: WriteRecord }> = [];
    for await (const [key, record] of this.#writes.entries({ prefix: writesPrefix(thread, ns, id) })) {
      const [, , , taskId, idx] = key as [string, string, string, string, number];
      const write = record as WriteRecord;
      rows.push({ sort: writesSortKey(write.taskPath, taskId, idx), taskId, record: write });
    }
    rows.sort((a, b) => compareWritesSortKeys(a.sort, b.sort));
    return Promise.all(
      rows.map(async ({ taskId, record }): Promise<CheckpointPendingWrite> => [taskId, record.channel, await this.#loads(record.value)]),
    );
  }

  /** Checkpoints before format v4 kept pending sends as writes of the parent; LangGraph expects them as a channel. */
  async #migratePendingSends(checkpoint: Checkpoint, thread: string, ns: string, parentId: string): Promise<void> {
    const sends = (await this.#pendingWrites(thread, ns, parentId)).filter(([, channel]) => channel === TASKS).map(([, , value]) => value);
    checkpoint.channel_values[TASKS] = sends;
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  #dumps(value: unknown): Promise<Serialized> {
    return this.serde.dumpsTyped(value);
  }

  #loads([type, bytes]: Serialized): Promise<unknown> {
    return this.serde.loadsTyped(type, bytes);
  }
}

function threadOf(config: RunnableConfig): string | undefined {
  const thread: unknown = config?.configurable?.thread_id;
  if (thread === undefined || thread === null) return undefined;
  if (typeof thread === 'number' && Number.isFinite(thread)) return String(thread);
  return requireString(thread, 'config.configurable.thread_id');
}

function namespaceOf(config: RunnableConfig): string | undefined {
  const ns: unknown = config?.configurable?.checkpoint_ns;
  return ns === undefined || ns === null ? undefined : requireString(ns, 'config.configurable.checkpoint_ns', true);
}

function requireThread(config: RunnableConfig, what: string): string {
  if (config?.configurable === undefined) throw new StoreError('INVALID_VALUE', `cannot ${what}: the config has no "configurable"`);
  const thread = threadOf(config);
  if (thread === undefined) throw new StoreError('INVALID_VALUE', `cannot ${what}: config.configurable.thread_id is missing`);
  return thread;
}

function requireString(value: unknown, what: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === ''))
    throw new StoreError('INVALID_VALUE', `${what} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  return value;
}

function checkVersion(version: unknown): Version {
  if (typeof version === 'string' || (typeof version === 'number' && Number.isFinite(version))) return version;
  throw new StoreError('INVALID_VALUE', `a channel version must be a string or a finite number, got ${String(version)}`);
}
