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
