/**
 * What each contender (agentstore on one adapter, or a raw driver) implements. Methods may return a
 * value or a promise; the harness only awaits promises, so synchronous drivers pay no microtask.
 */

/** Key-value operations over the shared key space (`KV_KEYS`, `COUNTER_KEYSPACE`). */
export interface KvTarget {
  /** Reads value key `i`. */
  get(i: number): unknown;
  /** Writes `VALUE` under key `i`, durably as the target's settings say. */
  put(i: number): unknown;
  /** Writes `VALUE` under keys `[from, from + count)` atomically. */
  putMany(from: number, count: number): unknown;
  /** Reads `count` entries in key order from key `from`; resolves to how many it read. */
  scan(from: number, count: number): unknown;
  /** Increments counter `i` by 1 as one atomic read-modify-write; resolves to the new value. */
  counter(i: number): unknown;
}

/** Checkpoint operations on traces (a graph run), each checkpoint `CHECKPOINT_DATA` plus metadata. */
export interface CheckpointTarget {
  /** Appends checkpoint `step` to `trace` (next seq, parent = previous latest). */
  save(trace: string, step: number): unknown;
  /** The trace's newest checkpoint with its data. */
  loadLatest(trace: string): unknown;
  /** The trace's newest `limit` checkpoints' info (no data), newest first. */
  list(trace: string, limit: number): unknown;
  /** Appends `count` checkpoints quickly (untimed set-up; batched or concurrent as the target allows). */
  fill(trace: string, count: number): Promise<void>;
}

/** One backend's contenders: agentstore and the raw driver with equivalent settings. */
export interface Contenders<T> {
  readonly agentstore: T;
  readonly raw: T;
  /** The raw driver's name as the table shows it. */
  readonly rawLabel: string;
}

/**
 * Artifact (blob) operations, each on 1 MiB `ARTIFACT` blobs: agentstore's `artifacts` kind, or the
 * raw driver storing the same bytes as one value.
 */
export interface ArtifactTarget {
  /** Stores the blob under new key `i` (`ARTIFACT_PUT_KEYS`) of a space without a budget. */
  put(i: number): unknown;
  /**
   * Stores the blob under key `i` (`ARTIFACT_EVICT_KEYS`) of a space that holds `BUDGET_BLOBS` blobs:
   * from `i ≥ BUDGET_BLOBS` on, the blob of key `i - BUDGET_BLOBS` (the least recently used) goes in
   * the same commit — agentstore's budget evicts it, the raw driver deletes it.
   */
  putEvicting(i: number): unknown;
  /** Reads blob `i % GET_BLOBS` of the get space (`ARTIFACT_GET_KEYS`). */
  get(i: number): unknown;
  /** Stores the `GET_BLOBS` blobs `get` reads (untimed set-up). */
  fillGets(): Promise<void>;
}
