import {
  asyncDispose,
  createStore,
  type DomainStore,
  defaultCodec,
  defaultDataDir,
  type Key,
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
import {
  type CheckpointRecord,
  checkpointKey,
  checkpointPrefix,
  type StoredValue,
  timePrefix,
  type Version,
  valueKey,
  writeKey,
} from './layout.js';
import { type AgentstoreSaverOptions, type ResolvedSaverOptions, resolveSaverOptions } from './options.js';
import { PAGE } from './paging.js';
import { AgentstoreSerde } from './serde.js';
import { Loads, StoredCodec } from './stored-codec.js';
import { recordEntries, ThreadHeads } from './thread-heads.js';
import { ThreadMaintenance } from './thread-maintenance.js';
import { type Located, TupleReader } from './tuple-reader.js';

/**
 * Largest encoded channel value a record carries a copy of. The copy saves a read of each checkpoint
 * that changed the channel; keeping it small bounds what the copies add to storage and to `put`.
 */
const COPY_MAX_BYTES = 2048;

/** The stored form of a channel emptied at a version. */
const EMPTIED = defaultCodec.encode(null);

/**
 * A LangGraph.js checkpointer on agentstore domains.
 *
 * ```ts
 * const store = await createStore({ adapters: [sqliteAdapter], domains: { checkpoints: { adapter: 'lmdb' } } });
 * const checkpointer = new AgentstoreSaver(store);
 * const graph = builder.compile({ checkpointer });
 * ```
 *
 * Checkpoint records with their channel values, and pending writes, live in two kv domains (each
 * routable); a checkpoint stores only the channels `put` was told changed, one value per (channel,
 * version), in the same commit as its record. `list` is a reverse key scan read a page at a time, so
 * it never loads a whole thread.
 */
export class AgentstoreSaver extends BaseCheckpointSaver {
  /** The resolved options: domain names and `exclusiveThreads`. */
  readonly options: ResolvedSaverOptions;
  /** The store the saver's domains live in. */
  readonly store: Store;
  /** The checkpoints domain, read as objects (entries are written as bytes the default codec made). */
  readonly #checkpoints: DomainStore<unknown>;
  readonly #checkpointBytes: DomainStore<Uint8Array>;
  readonly #writeBytes: DomainStore<Uint8Array>;
  readonly #codec: StoredCodec;
  readonly #reader: TupleReader;
  readonly #heads: ThreadHeads | undefined;
  readonly #maintenance: ThreadMaintenance;
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
    this.#writeBytes = store.kv(resolved.writes, { codec: rawCodec });
    this.#codec = new StoredCodec(() => this.serde);
    this.#reader = new TupleReader(this.#checkpoints, store.kv(resolved.writes), this.#codec, (v) => this.getNextVersion(v));
    this.#heads = resolved.exclusiveThreads ? new ThreadHeads(store.checkpoints(resolved.heads), this.#checkpointBytes) : undefined;
    const domains = { checkpoints: this.#checkpoints, checkpointBytes: this.#checkpointBytes, writeBytes: this.#writeBytes };
    this.#maintenance = new ThreadMaintenance(domains, this.#heads, async (record) => {
      const checkpoint = (await this.#codec.load(record.checkpoint)) as Partial<Checkpoint>;
      return checkpoint.channel_versions ?? {};
    });
  }

  /**
   * Closes the store when the saver opened it (`fromPath`, `fromConnString`); a store passed to the
   * constructor belongs to the caller and stays open. Idempotent.
   */
  async close(): Promise<void> {
    const owned = this.#owned;
    if (owned) await owned.close();
  }

  /** `close()`, for `await using saver = await AgentstoreSaver.fromPath(…)`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const thread = threadOf(config);
    if (thread === undefined) return undefined;
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config) || undefined;
    const found = id === undefined ? await this.#newest(thread, ns) : await this.#find(thread, ns, id);
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
    for await (const page of this.#pages(thread, ns, beforeId, only, pageSize)) {
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
    const changed: Array<[Key, Uint8Array | Promise<Uint8Array>]> = [];
    const copies: Array<readonly [string, StoredValue]> = [];
    for (const channel of Object.keys(newVersions)) {
      const version = checkVersion(newVersions[channel]);
      const key = valueKey(thread, ns, channel, version);
      if (values === undefined || values === null || !Object.hasOwn(values, channel)) {
        changed.push([key, EMPTIED]);
        continue;
      }
      const bytes = this.#codec.encode([values[channel]], onlyValue);
      changed.push([key, bytes]);
      // A small value stored whole is copied into the record too: reading this checkpoint then skips its 'v' entry.
      if (bytes instanceof Uint8Array && bytes.byteLength <= COPY_MAX_BYTES && rest.channel_versions?.[channel] === version)
        copies.push([channel, [values[channel]]]);
    }
    const encoded = this.#codec.encode([rest, metadata], ([stored, meta]) => ({
      checkpoint: stored,
      metadata: meta,
      ...(parentId === undefined ? {} : { parentId }),
      ...(copies.length === 0 ? {} : { values: copies }),
    }));
    let record: Uint8Array;
    let valueEntries: Array<[Key, Uint8Array]>;
    // Awaited only when something went through the serde.
    if (encoded instanceof Promise || changed.some(([, value]) => value instanceof Promise)) {
      [record, valueEntries] = await Promise.all([
        encoded,
        Promise.all(changed.map(async ([key, value]): Promise<[Key, Uint8Array]> => [key, await value])),
      ]);
    } else {
      record = encoded;
      valueEntries = changed as Array<[Key, Uint8Array]>;
    }
    if (this.#heads) {
      // The head commit is its own transaction: the values go first, so a committed head never lacks them.
      if (valueEntries.length > 0) await this.#checkpointBytes.putMany(valueEntries);
      await this.#heads.commit(thread, ns, parentId, checkpoint.id, record);
    } else {
      // Values, record and index in one commit: a reader sees all of the checkpoint or none of it.
      await this.#checkpointBytes.putMany([...valueEntries, ...recordEntries(thread, ns, checkpoint.id, record)]);
    }
    return { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const thread = requireThread(config, 'put writes');
    const ns = namespaceOf(config) ?? '';
    const id = getCheckpointId(config);
    if (!id) throw new StoreError('INVALID_VALUE', 'putWrites needs config.configurable.checkpoint_id');
    if (typeof taskId !== 'string') throw new StoreError('INVALID_VALUE', 'putWrites needs a string taskId');
    const entries = await Promise.all(
      writes.map(async ([channel, value], i): Promise<readonly [Key, Uint8Array]> => {
        const idx = WRITES_IDX_MAP[channel] ?? i;
        const bytes = await this.#codec.encode([value], ([stored]) => ({ channel, taskPath, value: stored }));
        return [writeKey(thread, ns, id, taskId, idx), bytes];
      }),
    );
    // Special writes (errors, interrupts, …) replace an earlier one; a regular write is kept as first
    // stored, so a retried task cannot change what a resumed run replays.
    const regular = entries.filter(([key]) => ((key as unknown[])[4] as number) >= 0);
    const existing = regular.length > 0 ? await this.#writeBytes.getMany(regular.map(([key]) => key)) : [];
    const taken = new Set(regular.filter((_, i) => existing[i] !== undefined).map(([key]) => key));
    const fresh = entries.filter((entry) => !taken.has(entry[0]));
    if (fresh.length > 0) await this.#writeBytes.putMany(fresh);
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
    for await (const [key, record] of this.#checkpoints.entries({ prefix: checkpointPrefix(thread, ns), reverse: true, limit: 1 })) {
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

  /** Checkpoints matching the list arguments, newest first within a thread, a page (one range read) at a time. */
  async *#pages(
    thread: string | undefined,
    ns: string | undefined,
    before: string | undefined,
    only: string | undefined,
    pageSize: number,
  ): AsyncGenerator<Located[]> {
    if (thread !== undefined && ns !== undefined) {
      if (only !== undefined) {
        const found = before === undefined || only < before ? await this.#find(thread, ns, only) : undefined;
        if (found) yield [found];
        return;
      }
      let upper = before === undefined ? undefined : checkpointKey(thread, ns, before);
      for (;;) {
        const page: Located[] = [];
        const range = {
          prefix: checkpointPrefix(thread, ns),
          ...(upper === undefined ? {} : { lt: upper }),
          reverse: true,
          limit: pageSize,
        };
        for await (const [key, record] of this.#checkpoints.entries(range)) {
          page.push({ thread, ns, id: (key as string[])[3] as string, record: record as CheckpointRecord });
        }
        const last = page[page.length - 1];
        if (last !== undefined) yield page;
        if (page.length < pageSize || last === undefined) return;
        upper = checkpointKey(thread, ns, last.id);
      }
    }
    if (thread !== undefined && only === undefined && before === undefined) {
      const root = await this.#rootOnlyPage(thread, pageSize);
      if (root !== undefined) {
        const last = root[root.length - 1];
        if (last !== undefined) yield root;
        if (root.length === pageSize && last !== undefined) yield* this.#pages(thread, '', last.id, undefined, pageSize);
        return;
      }
    }
    // Without a namespace, walk the per-thread time index (all threads when none is given, thread by thread).
    const onlyPrefix = thread !== undefined && only !== undefined;
    if (onlyPrefix && before !== undefined && !(only < before)) return;
    let upper: Key | undefined =
      thread !== undefined && before !== undefined && !onlyPrefix ? [...(timePrefix(thread) as string[]), before] : undefined;
    const prefix = onlyPrefix ? [...(timePrefix(thread) as string[]), only] : timePrefix(thread);
    for (;;) {
      const batch: Array<readonly [string, string, string]> = [];
      let scanned = 0;
      let last: Key | undefined;
      for await (const [key] of this.#checkpoints.entries({
        prefix,
        ...(upper === undefined ? {} : { lt: upper }),
        reverse: true,
        limit: pageSize,
      })) {
        scanned++;
        last = key;
        const [, t, id, n] = key as [string, string, string, string];
        if (ns !== undefined && n !== ns) continue;
        if (before !== undefined && !(id < before)) continue;
        if (only !== undefined && id !== only) continue;
        batch.push([t, id, n]);
      }
      if (batch.length > 0) yield await this.#records(batch);
      if (scanned < pageSize || last === undefined) return;
      upper = last;
    }
  }

  /**
   * The newest page of `thread` when its only namespace is the root one, else undefined. `''` sorts
   * before every other namespace, so a reverse scan of the thread's records meets any other namespace
   * first: when its first entry is in `''`, the root namespace's order is the thread's time order and
   * the records come without the time index and a second read. Otherwise only one record was decoded.
   */
  async #rootOnlyPage(thread: string, pageSize: number): Promise<Located[] | undefined> {
    const page: Located[] = [];
    for await (const [key, record] of this.#checkpoints.entries({ prefix: checkpointPrefix(thread), reverse: true, limit: pageSize })) {
      const [, , ns, id] = key as [string, string, string, string];
      if (ns !== '') return undefined;
      page.push({ thread, ns, id, record: record as CheckpointRecord });
    }
    return page;
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
}

/** The shape of a channel value's entry: the stored value itself. */
function onlyValue([stored]: StoredValue[]): StoredValue {
  return stored as StoredValue;
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
