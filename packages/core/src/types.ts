/** Public data types of agentstore's domain stores (SPEC §3–4). */

import type { DomainOperationStats } from './runtime/op-stats.js';

/** One element of a tuple key. */
export type KeyPart = string | number;

/** A key: a string, a number, or a non-empty tuple of strings and numbers. */
export type Key = KeyPart | readonly KeyPart[];

/** A key range; bounds are keys, `prefix` narrows to a tuple prefix or a string prefix. */
export interface Range {
  /** Tuple prefix (matches itself and every extension) or string prefix (matches scalar strings). */
  readonly prefix?: Key;
  readonly gt?: Key;
  readonly gte?: Key;
  readonly lt?: Key;
  readonly lte?: Key;
  /** Descending order when true. */
  readonly reverse?: boolean;
  /** At most this many entries. */
  readonly limit?: number;
}

/** A counter update: a plain increment, or a bounded increment that resets past `threshold`. */
export type CounterOp = number | { readonly by: number; readonly threshold?: number; readonly setTo?: number };

/**
 * Ops on a tuple counter, one record holding several counters by position (0, 1, …): each pair
 * applies `op` to `position`, in order, atomically across positions.
 */
export type TupleCounterOps = ReadonlyArray<readonly [position: number, op: CounterOp]>;

/** JSON data, as checkpoint metadata holds. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Turns values into bytes and back. Throws `INVALID_VALUE` on encode and `DECODE` on decode. */
export interface Codec<V> {
  /** A short name for diagnostics (`'default'`, `'json'`, `'raw'`). */
  readonly name: string;
  /** Encodes a value; throws `StoreError('INVALID_VALUE')` naming the path of what it cannot encode. */
  encode(value: V): Uint8Array;
  /** Decodes bytes; throws `StoreError('DECODE')` on bytes it does not understand. */
  decode(bytes: Uint8Array): V;
}

/** Ordered key-value store with atomic counters: one domain of kind `kv`. */
export interface DomainStore<V> {
  /** The value under `key`, or undefined. */
  get(key: Key): Promise<V | undefined>;
  /** Values for `keys`, in order. */
  getMany(keys: readonly Key[]): Promise<Array<V | undefined>>;
  /** Whether `key` holds a value. */
  has(key: Key): Promise<boolean>;
  /** Stores `value` under `key`; with `ttlMs` (or the domain's default) it expires that long after the write. */
  put(key: Key, value: V, options?: PutOptions): Promise<void>;
  /** Stores every entry atomically: all or none; `options` apply to each. */
  putMany(entries: ReadonlyArray<readonly [Key, V]>, options?: PutOptions): Promise<void>;
  /** Deletes `key`; false when it was absent. */
  delete(key: Key): Promise<boolean>;
  /** Deletes `keys` atomically; returns how many existed. */
  deleteMany(keys: readonly Key[]): Promise<number>;
  /** Entries in key order. */
  entries(range?: Range): AsyncIterable<[Key, V]>;
  /**
   * Runs `fn`, a whole logical read, with a reader whose reads return at once; resolves with what it
   * returns. Where the adapter reads synchronously (memory, SQLite, LMDB) it is one synchronous call
   * on one consistent snapshot; elsewhere `fn` runs again after each read it asked for is fetched, so
   * it must be repeatable and only read (what it asks depends only on what it read).
   */
  read<T>(fn: (reader: KvReader<V>) => T): Promise<T>;
  /**
   * A number that stays the same only while every `read` of this domain would find what it found
   * when the number was taken (any process's writes, TTL expiry and this process's queued `fast`
   * writes included): a caller that keeps what it derived from a read made with the same number may
   * skip reading again. Undefined when the adapter cannot tell cheaply, or the domain may hold
   * entries with a TTL or buffered counters; throws `CLOSED` once the store closed. It may change
   * without a write.
   */
  readToken(): number | undefined;
  /** Keys in key order. */
  keys(range?: Range): AsyncIterable<Key>;
  /** Number of entries in the range. */
  count(range?: Range): Promise<number>;
  /** Deletes every entry. */
  clear(): Promise<void>;
  /**
   * Atomic read-modify-write of an integer counter; returns the new value. A counter created (or
   * restarted after it expired) by this call takes `ttlMs` (else the domain's default) and expires as a whole.
   */
  updateCounter(key: Key, op: CounterOp, options?: PutOptions): Promise<number>;
  /** Atomic update of several positions of a tuple counter (read back by `get` as `number[]`); returns each op's result. */
  updateCounter(key: Key, ops: TupleCounterOps, options?: PutOptions): Promise<number[]>;
  /** Several counter updates atomically, in order; returns each result. */
  updateCounters(ops: ReadonlyArray<readonly [Key, CounterOp]>): Promise<number[]>;
  /** Writes buffered counter increments; a no-op unless counters are buffered. */
  flushCounters(): Promise<void>;
  /**
   * Deletes every record whose TTL has run out (one pass, a bounded batch per transaction) and
   * returns how many; the background sweep does the same a batch at a time.
   */
  sweepExpired(): Promise<number>;
}

/** The reads `DomainStore.read` hands its function: the same results as the handle's own reads. */
export interface KvReader<V> {
  /** The value under `key`, or undefined. */
  get(key: Key): V | undefined;
  /** Values for `keys`, in order. */
  getMany(keys: readonly Key[]): Array<V | undefined>;
  /** Entries of `range` in key order, as one array: give it a `limit` or a narrow range. */
  entries(range: Range): Array<[Key, V]>;
  /** The keys of `entries(range)`, without decoding a value. */
  keys(range: Range): Key[];
}

/** Options of a kv write (SPEC §9.4). */
export interface PutOptions {
  /**
   * Milliseconds the record lives: it expires at the writer's clock at write time plus `ttlMs`, and
   * every read (on any process, by that reader's clock) misses it from then on. Overrides the
   * domain's `ttlMs` option.
   */
  readonly ttlMs?: number;
}

/** A graph run or thread: 1..256 characters. */
export type TraceId = string;
/** A checkpoint id: sorts in save order within a trace, also across processes. */
export type CheckpointId = string;

/** Everything about a checkpoint but its data. */
export interface CheckpointInfo {
  readonly id: CheckpointId;
  readonly traceId: TraceId;
  readonly parentId?: CheckpointId;
  /** 1, 2, 3, … per trace, gap-free, never reused until `deleteTrace`. */
  readonly seq: number;
  /** Epoch milliseconds at save. */
  readonly createdAt: number;
  readonly metadata: Record<string, Json>;
  /** Bytes of `data`. */
  readonly size: number;
}

/** A checkpoint with its data. */
export interface CheckpointBlob extends CheckpointInfo {
  /** Always a plain Uint8Array. */
  readonly data: Uint8Array;
}

/** What `save` takes. */
export interface SaveInput {
  readonly data: Uint8Array;
  readonly metadata?: Record<string, Json>;
  /** Defaults to the trace's latest checkpoint. */
  readonly parentId?: CheckpointId;
  /** Compare-and-set: the trace's latest must be this id (`null`: the trace must be empty). */
  readonly expectLatest?: CheckpointId | null;
}

/** Options of `list` and `iterate`. */
export interface ListOptions {
  readonly limit?: number;
  /** Only checkpoints older than this id of the same trace. */
  readonly before?: CheckpointId;
  /** Metadata match by deep JSON equality on the given top-level keys. */
  readonly filter?: Record<string, Json>;
}

/** Options of `traces`. */
export interface TracesOptions {
  readonly prefix?: string;
  readonly limit?: number;
  /** Only traces sorting after this one. */
  readonly after?: TraceId;
}

/** Bytes-in, bytes-out checkpoint store for agent graphs: one domain of kind `checkpoints`. */
export interface BlobCheckpointStore {
  /** Saves a checkpoint; `seq` and `id` are fixed inside the save transaction. */
  save(traceId: TraceId, input: SaveInput): Promise<CheckpointInfo>;
  /** The checkpoint with this id, or undefined. */
  load(id: CheckpointId): Promise<CheckpointBlob | undefined>;
  /** The trace's newest checkpoint, or undefined. */
  loadLatest(traceId: TraceId): Promise<CheckpointBlob | undefined>;
  /** The trace's checkpoints, newest first. */
  list(traceId: TraceId, opts?: ListOptions): Promise<CheckpointInfo[]>;
  /** The same as `list`, streamed. */
  iterate(traceId: TraceId, opts?: ListOptions): AsyncIterable<CheckpointInfo>;
  /** Deletes one checkpoint; false when absent. */
  delete(id: CheckpointId): Promise<boolean>;
  /** Keeps the newest `keep` checkpoints of the trace; returns how many were removed. */
  prune(traceId: TraceId, keep: number): Promise<number>;
  /** Deletes the whole trace; returns how many checkpoints were removed. */
  deleteTrace(traceId: TraceId): Promise<number>;
  /** Trace ids in order, for admin tools. */
  traces(opts?: TracesOptions): Promise<TraceId[]>;
  /** Checkpoints in the trace (read from its head), or in the whole domain (a range count); no record is decoded. */
  count(traceId?: TraceId): Promise<number>;
}

/** Kinds a domain can hold; recorded on the domain's first write. */
export type DomainKind = 'kv' | 'checkpoints' | 'journal' | 'versioned' | 'snapshots' | 'artifacts' | 'vectors';

/** Per-domain figures from `store.stats()`. */
export interface DomainStats {
  readonly domain: string;
  readonly adapter: string;
  /** Undefined when the domain has no data yet. */
  readonly kind: DomainKind | undefined;
  readonly records: number;
  /** Undefined where the backend cannot tell cheaply. */
  readonly bytes: number | undefined;
  /** The adapter's engine build in this process, when it reports one (`AdapterInstance.engine`). */
  readonly engine?: string;
  /** Operations on the domain through this store since it opened (absent when none ran). */
  readonly operations?: DomainOperationStats;
}
