import {
  asyncDispose,
  createStore,
  type DomainStore,
  defaultDataDir,
  isStoreError,
  type Key,
  type Range,
  rawCodec,
  type Store,
  StoreError,
} from '@agentstore/core';
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
import { matchesFilter } from './filter.js';
import { fitsInline } from './inline-size.js';
import {
  type CheckpointRecord,
  checkpointKey,
  checkpointPrefix,
  expiryKey,
  isRecordKey,
  type StoredValue,
  TIME,
  timeKey,
  type Version,
  valueKey,
  valuesPrefix,
  writeKey,
} from './layout.js';
import { LegacyMigration } from './legacy-migration.js';
import { newestFirst } from './newest-first.js';
import { type AgentstoreSaverOptions, type ResolvedSaverOptions, resolveSaverOptions } from './options.js';
import { PAGE } from './paging.js';
import { AgentstoreSerde } from './serde.js';
import { type StoredChannel, StoredChannels } from './stored-channels.js';
import { Loads, StoredCodec } from './stored-codec.js';
import { recordEntries, ThreadHeads } from './thread-heads.js';
import { ThreadMaintenance } from './thread-maintenance.js';
import { ThreadTtl } from './thread-ttl.js';
import { type Located, TupleReader } from './tuple-reader.js';

/**
 * Largest channel value (roughly, in encoded bytes) a record carries; larger ones are entries of
 * their own, written once per version. Carrying the small ones makes a checkpoint one read.
 */
const COPY_MAX_BYTES = 2048;

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
    this.#reader = new TupleReader(this.#checkpoints, this.#codec, (v) => this.getNextVersion(v));
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
    for await (const t of thread === undefined ? this.#threadsDescending() : [thread]) {
      if (this.#ttl !== undefined) {
        const at = await this.#ttl.expiresAt(t);
        if (this.#ttl.expired(at)) continue;
        await this.#ttl.touched(t, at);
      }
      for await (const page of this.#pages(t, ns, beforeId, only, pageSize)) {
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
    const { channel_values: values, ...rest } = checkpoint;
    const versions = rest.channel_versions ?? {};
    // A small changed value is carried in the record; a large one is an entry of its own, which later
    // checkpoints that keep it refer to. An unchanged value is carried again when it was carried before
    // (this process remembers what it stored; else the parent record says), so the record stays whole.
    const plan: PutPlan = { names: [], carried: [], refs: [], changed: [], stored: new Map() };
    for (const channel of Object.keys(newVersions)) {
      const version = checkVersion(newVersions[channel]);
      const current = versions[channel] === version;
      if (!hasValue(values, channel)) {
        if (current) plan.stored.set(channel, { version, present: false, carried: false });
        continue;
      }
      const value = values[channel];
      if (current && fitsInline(value, COPY_MAX_BYTES)) {
        plan.stored.set(channel, { version, present: true, carried: true });
        plan.names.push(channel);
        plan.carried.push(value);
        continue;
      }
      plan.changed.push([valueKey(thread, ns, channel, version), value]);
      if (!current) continue;
      plan.stored.set(channel, { version, present: true, carried: false });
      plan.refs.push(channel);
    }
    let known = this.#stored.of(thread, ns);
    let askedParent = false;
    for (const channel of Object.keys(versions)) {
      if (plan.stored.has(channel)) continue;
      const version = versions[channel] as Version;
      let before = known?.get(channel);
      if ((before === undefined || before.version !== version) && !askedParent) {
        // Not stored by this process (a restart, another writer): what the parent stored decides.
        askedParent = true;
        known = await this.#storedBy(thread, ns, parentId);
        before = known?.get(channel);
      }
      if (before === undefined || before.version !== version) {
        plan.refs.push(channel);
        continue;
      }
      plan.stored.set(channel, before);
      if (!before.present) continue;
      if (!before.carried) plan.refs.push(channel);
      else if (hasValue(values, channel)) {
        plan.names.push(channel);
        plan.carried.push(values[channel]);
      }
    }
    const ttl = this.#ttl;
    // An expired thread starts afresh: what it had must not come back with the new checkpoint.
    if (ttl?.expired(await ttl.expiresAt(thread))) await this.#deleteThread(thread);
    if (this.#heads) {
      const { record, entries } = await this.#encode(rest, metadata, parentId, plan);
      if (ttl !== undefined) entries.push(ttl.entry(thread));
      // The head commit is its own transaction: the values go first, so a committed head never lacks them.
      if (entries.length > 0) await this.#checkpointBytes.putMany(entries);
      await this.#heads.commit(thread, ns, parentId, checkpoint.id, record);
    } else {
      const superseded = this.options.shallow ? await this.#superseded(thread, ns, checkpoint.id, versions) : undefined;
      // Values, record and index in one commit: a reader sees all of the checkpoint or none of it.
      await this.#commit(thread, ns, checkpoint.id, rest, metadata, parentId, plan);
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

  /**
   * Commits a checkpoint's new value entries, its record, its index entry (outside the root namespace)
   * and the thread's expiry (with `ttl`) in one `putMany`. With the stock serde the entries go as the
   * values themselves, encoded once on their way into the commit; when one holds what agentstore's
   * codec cannot store (nothing is written then), they are made through the serde.
   */
  async #commit(
    thread: string,
    ns: string,
    id: string,
    rest: Omit<Checkpoint, 'channel_values'>,
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
    const { record, entries } = await this.#encode(rest, metadata, parentId, plan, !whole);
    if (ttl !== undefined) entries.push(ttl.entry(thread));
    entries.push(...recordEntries(thread, ns, id, record));
    await this.#checkpointBytes.putMany(entries);
  }

  /** A checkpoint's record and new value entries as bytes (`tryWhole`: see `StoredCodec.encode`). */
  async #encode(
    rest: Omit<Checkpoint, 'channel_values'>,
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
    if (parent === undefined) return undefined;
    const { record } = parent;
    const checkpoint = (await this.#codec.load(record.checkpoint)) as Partial<Checkpoint>;
    const carried = new Set(record.values?.map(([channel]) => channel));
    const refs = record.refs === undefined ? undefined : new Set(record.refs);
    const out = new Map<string, StoredChannel>();
    for (const [channel, version] of Object.entries(checkpoint.channel_versions ?? {})) {
      if (carried.has(channel)) out.set(channel, { version, present: true, carried: true });
      // Records of earlier versions stored every changed value as an entry.
      else if (refs === undefined || refs.has(channel)) out.set(channel, { version, present: true, carried: false });
      else out.set(channel, { version, present: false, carried: false });
    }
    return out;
  }

  /**
   * The keys a shallow `put` of `id` removes: every other checkpoint of the namespace with its writes
   * and index entry, and the value entries of the namespace at versions the new checkpoint does not have.
   */
  async #superseded(thread: string, ns: string, id: string, versions: ChannelVersions): Promise<Key[]> {
    const doomed: Key[] = [];
    for await (const key of this.#checkpointBytes.keys({ prefix: checkpointPrefix(thread, ns) })) {
      const other = (key as string[])[3] as string;
      if (other === id) continue;
      doomed.push(key);
      if (isRecordKey(key)) doomed.push(timeKey(thread, other, ns));
    }
    for await (const key of this.#checkpointBytes.keys({ prefix: valuesPrefix(thread, ns) })) {
      const [, , , channel, version] = key as [string, number, string, string, Version];
      if (versions[channel] !== version) doomed.push(key);
    }
    return doomed;
  }

  /** Every thread, in descending key order: one single-entry range per thread. */
  async *#threadsDescending(): AsyncGenerator<string> {
    let upper: Key | undefined;
    for (;;) {
      const range = { ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: 1 };
      const [key] = await this.#checkpointBytes.read((reader) => reader.keys(range));
      const thread = (key as string[] | undefined)?.[0];
      if (typeof thread !== 'string') return;
      yield thread;
      upper = [thread];
    }
  }

  /** Checkpoints of `thread` matching the list arguments, newest first, a page (one range read) at a time. */
  async *#pages(
    thread: string,
    ns: string | undefined,
    before: string | undefined,
    only: string | undefined,
    pageSize: number,
  ): AsyncGenerator<Located[]> {
    if (ns !== undefined) {
      if (only !== undefined) {
        const found = before === undefined || only < before ? await this.#find(thread, ns, only) : undefined;
        if (found) yield [found];
        return;
      }
      let upper = before;
      for (;;) {
        const page = await this.#reader.descending(thread, ns, upper, pageSize);
        const last = page[page.length - 1];
        if (last !== undefined) yield page;
        if (page.length < pageSize || last === undefined) return;
        upper = last.id;
      }
    }
    if (only === undefined && before === undefined) {
      const root = await this.#rootOnlyPage(thread, pageSize);
      if (root !== undefined) {
        const last = root[root.length - 1];
        if (last !== undefined) yield root;
        if (root.length === pageSize && last !== undefined) yield* this.#pages(thread, '', last.id, undefined, pageSize);
        return;
      }
    }
    // Without a namespace: the root namespace's records merged with the time index (other namespaces).
    if (only !== undefined && before !== undefined && !(only < before)) return;
    yield* newestFirst([this.#pages(thread, '', before, only, pageSize), this.#indexPages(thread, before, only, pageSize)], pageSize);
  }

  /**
   * Checkpoints of `thread` outside the root namespace, newest first, a page of its time index at a
   * time (the root namespace's entries an earlier version wrote there are skipped: its records are read directly).
   */
  async *#indexPages(thread: string, before: string | undefined, only: string | undefined, pageSize: number): AsyncGenerator<Located[]> {
    let upper: Key | undefined = before !== undefined && only === undefined ? [thread, TIME, before] : undefined;
    const prefix = only !== undefined ? [thread, TIME, only] : [thread, TIME];
    for (;;) {
      const batch: Array<readonly [string, string]> = [];
      const range: Range = { prefix, ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: pageSize };
      const keys: Key[] = await this.#checkpointBytes.read((reader) => reader.keys(range));
      const scanned = keys.length;
      const last: Key | undefined = keys[scanned - 1];
      for (const key of keys) {
        const [, , id, n] = key as [string, number, string, string];
        if (n !== '') batch.push([id, n]);
      }
      if (batch.length > 0) yield await this.#records(thread, batch);
      if (scanned < pageSize || last === undefined) return;
      upper = last;
    }
  }

  /** The newest page of `thread` when its only namespace is the root one, else undefined (`TupleReader.rootOnly`). */
  #rootOnlyPage(thread: string, pageSize: number): Promise<Located[] | undefined> {
    return this.#reader.rootOnly(thread, pageSize);
  }

  /** The checkpoints (with writes) of index entries `[id, ns]` of `thread`: one range per namespace. */
  async #records(thread: string, batch: ReadonlyArray<readonly [string, string]>): Promise<Located[]> {
    const byNs = new Map<string, Set<string>>();
    for (const [id, ns] of batch) {
      const ids = byNs.get(ns) ?? new Set<string>();
      byNs.set(ns, ids);
      ids.add(id);
    }
    const found = await Promise.all([...byNs].map(([ns, ids]) => this.#reader.span(thread, ns, ids)));
    const byId = new Map<string, Located>();
    for (const located of found) for (const [id, one] of located) byId.set(`${one.ns}\u0000${id}`, one);
    const out: Located[] = [];
    for (const [id, ns] of batch) {
      const one = byId.get(`${ns}\u0000${id}`);
      if (one !== undefined) out.push(one);
    }
    return out;
  }
}

/** What a `put` stores of each channel, decided before anything is encoded. */
interface PutPlan {
  /** Channels whose values the record carries, and those values (same order). */
  readonly names: string[];
  readonly carried: unknown[];
  /** Channels whose value is an entry of its own. */
  readonly refs: string[];
  /** The value entries this `put` adds: key and value. */
  readonly changed: Array<readonly [Key, unknown]>;
  /** How each channel is stored, remembered for the thread's next `put`. */
  readonly stored: Map<string, StoredChannel>;
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

/** Whether the checkpoint has a value for `channel` (own key: a channel emptied at this version has none). */
function hasValue(values: Checkpoint['channel_values'] | undefined, channel: string): values is Checkpoint['channel_values'] {
  return values !== undefined && values !== null && Object.hasOwn(values, channel);
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
