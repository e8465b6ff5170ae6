import type { Durability } from '../adapter.js';
import type { ByteRange, Bytes } from '../backend.js';

/** One buffered write of a transaction function: `value` undefined deletes `key`. */
export interface BufferedWrite {
  readonly key: Bytes;
  readonly value: Bytes | undefined;
}

/** A key fetched from an engine that cannot read synchronously, with what its neighbours tell. */
export interface FetchedValue {
  readonly value: Bytes | undefined;
  /**
   * When the key is absent: the nearest stored keys around it (an end undefined: none that way), so
   * later reads of any key in between are answered without a fetch (functions probing fresh random keys).
   */
  readonly gap?: { readonly after: Bytes | undefined; readonly before: Bytes | undefined };
}

/** Where an engine error was raised; `classify` decides what it does to the group. */
export type EnginePhase = 'begin' | 'read' | 'fetch' | 'write' | 'run' | 'commit';

/**
 * What an engine error does to the commit group it hit:
 * - `job`: only the job that hit it fails (the error reaches its function); the transaction goes on.
 * - `evict`: the attempt rolls back; the job that hit it fails; the others are retried at once.
 * - `busy`: the attempt rolls back; the whole group is retried after a back-off (`busyRetries` times).
 * - `retry`: the attempt rolls back; `repair` runs, then the group is retried at once (a few times).
 * - `fail`: the attempt rolls back; every job in it fails with the error.
 */
export type ErrorVerdict = 'job' | 'evict' | 'busy' | 'retry' | 'fail';

/**
 * The engine-specific part of group commit, which an adapter implements once per engine; the commit
 * queue (`CommitQueue`) does the rest: grouping, ordering, replay of transaction functions, the
 * read-your-writes `Tx`, per-job failure, retries. `D` is the adapter's handle on one domain (a table,
 * a key prefix, a database): one object per domain, since the queue keys the group's writes and
 * fetched reads by it. `T` is its handle on one open write transaction.
 *
 * A synchronous engine (`sync: true`: SQLite, LMDB) runs a whole group without yielding, so every
 * method it implements returns plainly and it must implement `get` and `range`. An asynchronous one
 * (LevelDB, PostgreSQL, Redis) may return promises and may leave reads to `fetch` / `fetchRange`:
 * a function that reads what is not fetched yet is stopped, the read is fetched inside the same open
 * transaction, and the function runs again from the start (replay), so reads stay synchronous in `Tx`.
 */
export interface TxEngine<D, T> {
  /** Whether every method returns synchronously (then the queue can also commit at once: `now`). */
  readonly sync: boolean;
  /**
   * Whether reads in an open transaction see the writes `write` made in it (a real transaction). When
   * false (writes only land at commit: a batch, MULTI/EXEC), the queue overlays the group's writes
   * on every read itself.
   */
  readonly readsOwnWrites: boolean;
  /**
   * Runs `body` in one write transaction: begins (taking whatever lock serializes writers), calls
   * `body(txn)`, commits as durably as `durability` asks (the strictest of the group); when `body`
   * or the commit throws, rolls back and rethrows that error unchanged.
   */
  transaction(durability: Durability, body: (txn: T) => void | Promise<void>): void | Promise<void>;
  /** The value under `key` in the open transaction, read synchronously; omit it to `fetch` instead. */
  get?(txn: T, domain: D, key: Bytes): Bytes | undefined;
  /** Reads `key` inside the open transaction (engines without a synchronous `get`). */
  fetch?(txn: T, domain: D, key: Bytes): Promise<FetchedValue>;
  /** Entries in `range` (honouring `limit` and `reverse`), read synchronously; omit it to `fetchRange` instead. */
  range?(txn: T, domain: D, range: ByteRange): Array<[Bytes, Bytes]>;
  /** Reads `range` (honouring `limit` and `reverse`) inside the open transaction. */
  fetchRange?(txn: T, domain: D, range: ByteRange): Promise<Array<[Bytes, Bytes]>>;
  /**
   * Writes one function's buffered writes, in call order (the last one of a key wins), into the open
   * transaction; called after each function that returned, in queue order.
   */
  write(txn: T, domain: D, writes: readonly BufferedWrite[]): void | Promise<void>;
  /**
   * Optional: when a commit is not durable enough for `strict` by itself, a promise for the extra
   * step (an fsync of the environment). Strict jobs settle after it; the queue does not wait for it.
   */
  durable?(): Promise<void>;
  /** What an error the engine raised in `phase` does to the group (see `ErrorVerdict`). */
  classify(error: unknown, phase: EnginePhase): ErrorVerdict;
  /** Optional, asynchronous engines: repairs what a `retry` verdict reported (reconnects, recreates a table). */
  repair?(error: unknown): Promise<void>;
  /** The error a caller sees for an engine error (a `StoreError` with a stable code); `doing` names the step. */
  translate(error: unknown, doing: string): unknown;
}
