import { asyncDispose, createStore, type DomainStore, defaultDataDir, type Key, rawCodec, type Store, StoreError } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  getCheckpointId,
  type PendingWrite,
  WRITES_IDX_MAP,
} from '@langchain/langgraph-checkpoint';
import { CheckpointPages } from './checkpoint-pages.js';
import { namespaceOf, requireString, requireThread, threadOf } from './config-args.js';
import { matchesFilter } from './filter.js';
import { writeKey } from './layout.js';
import { LegacyMigration } from './legacy-migration.js';
import { type AgentstoreSaverOptions, type ResolvedSaverOptions, resolveSaverOptions } from './options.js';
import { PAGE } from './paging.js';
import { channelsStoredBy } from './parent-channels.js';
import { planPut } from './put-plan.js';
import { RecordWriter } from './record-writer.js';
import { AgentstoreSerde } from './serde.js';
import { supersededKeys } from './shallow-superseded.js';
import { type StoredChannel, StoredChannels } from './stored-channels.js';
import { Loads, StoredCodec } from './stored-codec.js';
import { ThreadHeads } from './thread-heads.js';
import { ThreadMaintenance } from './thread-maintenance.js';
import { ThreadTtl } from './thread-ttl.js';
import { type Located, TupleReader } from './tuple-reader.js';

/**
 * A LangGraph.js checkpointer on agentstore domains.
 *
 * ```ts
 * const store = await createStore({ adapters: [sqliteAdapter], domains: { checkpoints: { adapter: 'lmdb' } } });
 * const checkpointer = new AgentstoreSaver(store);
 * const graph = builder.compile({ checkpointer });
 * ```
 *
 * Every key starts with the thread id (`layout.ts`). A checkpoint's record carries its small channel
 * values, and its pending writes are stored right after it, so `getTuple` is one range read and `put`
 * one commit into one thread's key region. `list` is a reverse key scan read a page at a time, so it
 * never loads a whole thread. `shallow` keeps only each namespace's latest checkpoint; `ttl` expires
 * idle threads.
 */
export class AgentstoreSaver extends BaseCheckpointSaver {
  /** The resolved options: domain names, `exclusiveThreads`, `shallow`, `ttl`. */
  readonly options: ResolvedSaverOptions;
  /** The store the saver's domains live in. */
  readonly store: Store;
  /** The checkpoints domain, read as objects (entries are written as bytes the default codec made). */
  readonly #checkpoints: DomainStore<unknown>;
  readonly #checkpointBytes: DomainStore<Uint8Array>;
  readonly #codec: StoredCodec;
  readonly #reader: TupleReader;
  readonly #heads: ThreadHeads | undefined;
  readonly #maintenance: ThreadMaintenance;
  readonly #ttl: ThreadTtl | undefined;
  readonly #legacy: LegacyMigration;
  readonly #writer: RecordWriter;
  readonly #pages: CheckpointPages;
  readonly #stored = new StoredChannels();
  /** True once no key of the previous layout is left (checked once per saver). */
  #migrated = false;
  /** The store this saver opened itself (the short forms), which `close()` closes. */
  #owned: Store | undefined;

  /**
   * A saver on a data directory: `AgentstoreSaver.fromPath('./agent-data')` stores every domain with
   * the first installed of the sqlite, lmdb and level adapters (`dataDir` defaults to
   * `$AGENTSTORE_DATA_DIR`, else `.agentstore`). The saver owns the store: `close()` closes it.
   */
  static async fromPath(dataDir?: string, options: AgentstoreSaverOptions = {}): Promise<AgentstoreSaver> {
    resolveSaverOptions(options);
    return AgentstoreSaver.#owning(await createStore(dataDir ?? defaultDataDir()), options);
  }

  /**
   * A saver on a store URL: `postgres://…` (default `$AGENTSTORE_PG_URL`), `sqlite:<dir>`,
   * `lmdb:<dir>`, `level:<dir>`, or `':memory:'` as LangGraph's own savers take it. The saver owns the
   * store: `close()` closes it.
   */
  static async fromConnString(url?: string, options: AgentstoreSaverOptions = {}): Promise<AgentstoreSaver> {
    resolveSaverOptions(options);
    const conn = url ?? process.env.AGENTSTORE_PG_URL;
    if (conn === undefined || conn === '') {
      throw new StoreError('INVALID_OPTIONS', 'fromConnString needs a URL (or AGENTSTORE_PG_URL in the environment)');
    }
    return AgentstoreSaver.#owning(await createStore({ url: conn === ':memory:' ? 'memory:' : conn }), options);
  }

  static #owning(store: Store, options: AgentstoreSaverOptions): AgentstoreSaver {
    try {
      const saver = new AgentstoreSaver(store, options);
      saver.#owned = store;
      return saver;
    } catch (err) {
      void store.close();
      throw err;
    }
  }

  constructor(store: Store, options: AgentstoreSaverOptions = {}) {
    const resolved = resolveSaverOptions(options);
    super(options.serde ?? new AgentstoreSerde());
    this.options = resolved;
    this.store = store;
    this.#checkpoints = store.kv(resolved.checkpoints);
    this.#checkpointBytes = store.kv(resolved.checkpoints, { codec: rawCodec });
    this.#legacy = new LegacyMigration(this.#checkpointBytes, store.kv(resolved.writes, { codec: rawCodec }));
    this.#codec = new StoredCodec(() => this.serde);
    this.#reader = new TupleReader(this.#checkpoints, this.#checkpointBytes, this.#codec, (v) => this.getNextVersion(v));
    this.#heads = resolved.exclusiveThreads ? new ThreadHeads(store.checkpoints(resolved.heads), this.#checkpointBytes) : undefined;
    const domains = { checkpoints: this.#checkpoints, checkpointBytes: this.#checkpointBytes };
    this.#maintenance = new ThreadMaintenance(domains, this.#heads, async (record) => {
      const checkpoint = (await this.#codec.load(record.checkpoint)) as Partial<Checkpoint>;
      return checkpoint.channel_versions ?? {};
    });
    if (resolved.ttl !== undefined) {
      const clock = options.clock ?? Date.now;
      this.#ttl = new ThreadTtl(this.#checkpoints, this.#checkpointBytes, resolved.ttl, clock, (thread) => this.#deleteThread(thread));
      // A failed background sweep is retried at the next interval; it has nobody to report to.
      this.#ttl.start(() => {});
    }
    this.#writer = new RecordWriter(this.#checkpoints, this.#checkpointBytes, this.#codec, this.#ttl);
    this.#pages = new CheckpointPages(this.#checkpointBytes, this.#reader, (thread, ns, id) => this.#find(thread, ns, id));
  }

  /**
   * Stops the TTL sweep, and closes the store when the saver opened it (`fromPath`,
   * `fromConnString`); a store passed to the constructor belongs to the caller and stays open. Idempotent.
   */
  async close(): Promise<void> {
    await this.#ttl?.stop();
    const owned = this.#owned;
    if (owned) await owned.close();
  }

  /** `close()`, for `await using saver = await AgentstoreSaver.fromPath(…)`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    // Without TTL or heads, once migrated: one read that finds and builds the tuple, one promise.
    if (!this.#migrated || this.#ttl !== undefined || this.#heads !== undefined) return this.#getTuple(config);
    try {
      const thread = threadOf(config);
      if (thread === undefined) return Promise.resolve(undefined);
      return this.#reader.tuple(thread, namespaceOf(config) ?? '', getCheckpointId(config) || undefined);
    } catch (err) {
      // As from the async path: a rejection, never a throw.
      return Promise.reject(err);
    }
  }

  async #getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const thread = threadOf(config);
    if (thread === undefined) return undefined;
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config) || undefined;
    if (!this.#migrated) await this.#migrate();
    const ttl = this.#ttl;
    const expiry = ttl?.expiresAt(thread);
    expiry?.catch(() => {});
    const found = id === undefined ? await this.#newest(thread, ns) : await this.#find(thread, ns, id);
    if (ttl !== undefined) {
      const at = await expiry;
      if (ttl.expired(at)) return undefined;
      if (found !== undefined) await ttl.touched(thread, at);
    }
    if (found === undefined) return undefined;
    return (await this.#reader.tuples([found]))[0];
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
    if (!this.#migrated) await this.#migrate();
    for await (const t of thread === undefined ? this.#pages.threadsDescending() : [thread]) {
      if (this.#ttl !== undefined) {
        const at = await this.#ttl.expiresAt(t);
        if (this.#ttl.expired(at)) continue;
        await this.#ttl.touched(t, at);
      }
      for await (const page of this.#pages.pages(t, ns, beforeId, only, pageSize)) {
        let batch = page;
        if (hasFilter) {
          const loads = new Loads(this.#codec);
          for (const found of page)
            loads.add(found.record.metadata, (metadata) => {
              found.metadata = metadata as CheckpointMetadata;
            });
          await loads.settle();
          batch = page.filter((found) => matchesFilter(found.metadata, filter));
        }
        if (batch.length > remaining) batch = batch.slice(0, remaining);
        for (const tuple of await this.#reader.tuples(batch, hasFilter)) {
          yield tuple;
          if (--remaining === 0) return;
        }
      }
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
    // Before anything is read: the parent record may still be under a key of the previous layout.
    if (!this.#migrated) await this.#migrate();
    const { channel_values: _values, ...rest } = checkpoint;
    const versions = rest.channel_versions ?? {};
    const plan = await planPut(thread, ns, checkpoint, newVersions, this.#stored.of(thread, ns), () =>
      this.#storedBy(thread, ns, parentId),
    );
    const ttl = this.#ttl;
    // An expired thread starts afresh: what it had must not come back with the new checkpoint.
    if (ttl?.expired(await ttl.expiresAt(thread))) await this.#deleteThread(thread);
    if (this.#heads) {
      const { record, entries } = await this.#writer.encode(rest, metadata, parentId, plan);
      if (ttl !== undefined) entries.push(ttl.entry(thread));
      // The head commit is its own transaction: the values go first, so a committed head never lacks them.
      if (entries.length > 0) await this.#checkpointBytes.putMany(entries);
      await this.#heads.commit(thread, ns, parentId, checkpoint.id, record);
    } else {
      const superseded = this.options.shallow
        ? await supersededKeys(this.#checkpointBytes, thread, ns, checkpoint.id, versions)
        : undefined;
      // Values, record and index in one commit: a reader sees all of the checkpoint or none of it.
      await this.#writer.commit(thread, ns, checkpoint.id, rest, metadata, parentId, plan);
      // Shallow: the new checkpoint is committed first, so a crash in between leaves one too many, never none.
      if (superseded !== undefined && superseded.length > 0) await this.#checkpointBytes.deleteMany(superseded);
    }
    this.#stored.remember(thread, ns, plan.stored);
    return { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const thread = requireThread(config, 'put writes');
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config);
    if (!id) throw new StoreError('INVALID_VALUE', 'putWrites needs config.configurable.checkpoint_id');
    if (typeof taskId !== 'string') throw new StoreError('INVALID_VALUE', 'putWrites needs a string taskId');
    const keys = writes.map(([channel], i) => writeKey(thread, ns, id, taskId, WRITES_IDX_MAP[channel] ?? i));
    if (!this.#migrated) await this.#migrate();
    // Special writes (errors, interrupts, …) replace an earlier one; a regular write is kept as first
    // stored, so a retried task cannot change what a resumed run replays.
    const regular = keys.filter((key) => ((key as unknown[])[5] as number) >= 0);
    const existing = regular.length > 0 ? await this.#checkpointBytes.getMany(regular) : [];
    const taken = new Set(regular.filter((_, i) => existing[i] !== undefined));
    const fresh: Array<readonly [Key, string, unknown]> = [];
    for (const [i, [channel, value]] of writes.entries()) {
      const key = keys[i] as Key;
      if (!taken.has(key)) fresh.push([key, channel, value]);
    }
    if (fresh.length === 0) return;
    // As in `put`: the writes go to the commit as values, encoded once; through the serde when they must.
    await this.#writer.writes(fresh, taskPath);
  }

  async deleteThread(threadId: string): Promise<void> {
    const thread = requireString(threadId, 'threadId');
    if (!this.#migrated) await this.#migrate();
    await this.#deleteThread(thread);
  }

  /**
   * Keeps the newest `keep` checkpoints of each namespace of the thread and removes the older ones with
   * their pending writes and the channel values nothing kept refers to. Returns how many checkpoints it removed.
   */
  async prune(threadId: string, keep: number): Promise<number> {
    if (!(Number.isSafeInteger(keep) && keep >= 0)) throw new StoreError('INVALID_VALUE', 'keep must be a non-negative integer');
    const thread = requireString(threadId, 'threadId');
    if (!this.#migrated) await this.#migrate();
    this.#stored.forget(thread);
    return this.#maintenance.prune(thread, keep);
  }

  /** Copies every checkpoint, write and channel value of `from` to the empty thread `to` (`CONFLICT` if it is not). */
  async copyThread(from: string, to: string): Promise<void> {
    const source = requireString(from, 'from');
    const target = requireString(to, 'to');
    if (!this.#migrated) await this.#migrate();
    await this.#maintenance.copyThread(source, target);
    if (this.#ttl !== undefined) await this.#checkpointBytes.put(...this.#ttl.entry(target));
  }

  /**
   * With `ttl`: visits up to `limit` threads (default `ttl.sweepLimit`), continuing where the previous
   * sweep stopped, and deletes the expired ones with their writes and values; returns how many it
   * deleted. Expired threads are invisible before they are swept. Without `ttl`: 0.
   */
  async sweepExpired(limit?: number): Promise<number> {
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0))
      throw new StoreError('INVALID_VALUE', 'limit must be a positive integer');
    if (this.#ttl === undefined) return 0;
    if (!this.#migrated) await this.#migrate();
    return this.#ttl.sweep(limit);
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

  async #deleteThread(thread: string): Promise<void> {
    this.#stored.forget(thread);
    await this.#maintenance.deleteThread(thread);
  }

  async #migrate(): Promise<void> {
    await this.#legacy.ensure();
    this.#migrated = true;
  }

  async #newest(thread: string, ns: string): Promise<Located | undefined> {
    if (this.#heads) {
      const head = await this.#heads.latest(thread, ns);
      if (head) return { thread, ns, id: head.id, record: head.record };
    }
    return this.#reader.latest(thread, ns);
  }

  async #find(thread: string, ns: string, id: string): Promise<Located | undefined> {
    const found = await this.#reader.byId(thread, ns, id);
    if (found) return found;
    // With exclusiveThreads, the newest record may so far exist only as the head (its writer died mid-put).
    const head = this.#heads && (await this.#heads.latest(thread, ns));
    return head && head.id === id ? { thread, ns, id, record: head.record } : undefined;
  }

  /**
   * What the checkpoint a `put` continues from (its parent; without one, or when it is gone, the
   * newest of the namespace) stored of each channel: carried in its record, an entry of its own, or nothing.
   */
  async #storedBy(thread: string, ns: string, parentId: string | undefined): Promise<Map<string, StoredChannel> | undefined> {
    const parent = (parentId === undefined ? undefined : await this.#find(thread, ns, parentId)) ?? (await this.#newest(thread, ns));
    return parent === undefined ? undefined : channelsStoredBy(parent.record, this.#codec);
  }
}
