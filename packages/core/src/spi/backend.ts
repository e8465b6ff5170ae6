/**
 * The byte-level primitives an adapter gives core for one domain. Core does every check and every
 * encoding; a backend receives normalized bytes and never re-validates (keys are at most 1 KiB).
 */

/** Encoded key or value bytes. Backends may return Buffers; core converts where users see them. */
export type Bytes = Uint8Array;

/** A bounded range over encoded keys, compared bytewise (unsigned, shorter prefix first). */
export interface ByteRange {
  readonly gt?: Bytes;
  readonly gte?: Bytes;
  readonly lt?: Bytes;
  readonly lte?: Bytes;
  /** Descending order when true. */
  readonly reverse?: boolean;
  /** At most this many entries (after ordering). */
  readonly limit?: number;
}

/**
 * The view a transaction function gets. Reads see the committed state plus this transaction's own
 * writes. Everything is synchronous: the function may be run again by the backend (for instance to
 * fetch a range it could not read synchronously), so it must have no effects besides calls on `tx`
 * and must be repeatable: given the same results it asks for the same keys and ranges (read the clock
 * and draw random numbers before the transaction wherever they decide what is read).
 */
export interface Tx {
  /** The value under `key`, or undefined. */
  get(key: Bytes): Bytes | undefined;
  /**
   * Values for `keys`, in the same order (optional: callers fall back to `get` per key). Core's
   * transactions on an engine that cannot read synchronously fetch every key not known yet before the
   * function runs again, instead of one key per run.
   */
  getMany?(keys: readonly Bytes[]): Array<Bytes | undefined>;
  /** Entries in `range`, in order; callers always pass a `limit` or a narrow range. */
  range(range: ByteRange): Array<[Bytes, Bytes]>;
  /** Writes `value` under `key` when the transaction commits; the backend may keep both arrays (callers never modify them afterwards). */
  put(key: Bytes, value: Bytes): void;
  /** Deletes `key` when the transaction commits. */
  del(key: Bytes): void;
}

/**
 * Synchronous reads on one consistent snapshot (`DomainBackend.readSync`): the same results as the
 * backend's async reads would give on that snapshot. What they return the caller only reads.
 */
export interface SyncReader {
  /** The value under `key`, or undefined. */
  get(key: Bytes): Bytes | undefined;
  /** Values for `keys`, in the same order. */
  getMany(keys: readonly Bytes[]): Array<Bytes | undefined>;
  /** Entries in `range`, in order; callers always pass a `limit` or a narrow range. */
  range(range: ByteRange): Array<[Bytes, Bytes]>;
}

/**
 * One durable counter update for `DomainBackend.updateCounters`: add `by` to the counter under `key`;
 * when `bounded`, a result above `threshold` (`by >= 0`) or below it (`by < 0`) becomes `setTo`.
 */
export interface CounterUpdate {
  readonly key: Bytes;
  readonly by: number;
  readonly bounded?: { readonly threshold: number; readonly setTo: number } | undefined;
}

/**
 * A key a write must find absent, read inside the write's own transaction (after any lock that
 * serializes the backend's writers, so a value committed by another process before that lock was
 * granted is seen): when it holds a value, the write is refused with the error `refuse(value)`
 * returns and nothing is written. Core passes the migration guard, so that no process writes to a
 * location a migration has frozen (SPEC §9.1).
 */
export interface WriteGuard {
  readonly key: Bytes;
  refuse(value: Bytes): Error;
}

/**
 * The key of core's migration guard (`0x00 'moved'`). Core reads it at the start of every write
 * transaction it runs (and passes it as the `WriteGuard` of native counters and `clear`); a backend
 * that fetches what a transaction reads (PostgreSQL) may fetch it with the transaction's first statement.
 */
export const MIGRATION_GUARD_KEY: Bytes = Uint8Array.of(0x00, 0x6d, 0x6f, 0x76, 0x65, 0x64);

/** How core runs one `DomainBackend.transact`. */
export interface TransactOptions {
  /**
   * The function is blind: its writes and result do not depend on what it reads (its reads only
   * check and throw, like the migration guard). A `fast` domain may then acknowledge it once it is
   * queued in the process and commit it within its write-behind window (SPEC §9.2); a backend that
   * ignores this commits before it resolves, which is also correct.
   */
  readonly blind?: boolean;
  /**
   * No other write of this process is in progress on the domain (core's hint). A synchronous engine
   * may then commit at once when nothing is queued, instead of waiting a turn of the event loop for
   * other writes to join the group: a lone write has nobody to share its commit with.
   */
  readonly lone?: boolean;
}

/** One domain's storage: an ordered map of bytes to bytes with atomic transactions. */
export interface DomainBackend {
  /** The value under `key`, or undefined. */
  get(key: Bytes): Promise<Bytes | undefined>;
  /** Values for `keys`, in the same order. */
  getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>>;
  /** Entries in `range`, streamed in order. */
  range(range: ByteRange): AsyncIterable<[Bytes, Bytes]>;
  /**
   * Optional, for engines that read synchronously (SQLite, LMDB, memory): runs `fn`, whose reads all
   * see one consistent snapshot holding every write this process has had acknowledged, and returns
   * what it returns. With a `guard`, the guard's key is read on that snapshot too and, when it holds a
   * value, `guard.refuse(value)` is thrown instead (a backend may skip that read while its snapshot is
   * one where it found the key absent). `fn` only reads, through the reader, and only while it runs.
   * Errors are thrown, translated like the async reads'. Core then makes a whole read one call.
   */
  readSync?<T>(fn: (reader: SyncReader) => T, guard?: WriteGuard): T;
  /**
   * Optional, with `readSync`: a number that changes whenever what `readSync` would read in this
   * domain may have changed — a commit of this process (any connection), of another process, a
   * `clear`, the migration guard written — and otherwise stays the same. Two calls that return the
   * same number guarantee that a `readSync` made after the second reads exactly what one made after
   * the first read (the guard included), so a caller may keep what it derived from such a read and
   * skip reading again. Numbers are unique within the process across backends of the adapter (a
   * number never means two different states). It may change without a write (a new snapshot); it
   * must never stay the same across one. Throws `CLOSED` as the reads do. Leave it out when the
   * engine cannot tell cheaply (a fraction of a point read); undefined when it cannot tell now.
   */
  changeToken?(): number | undefined;
  /**
   * Optional: `readSync((r) => r.get(key), guard)` as one engine call where the engine can (SQLite:
   * one statement), or for engines that have synchronous point reads but no synchronous ranges
   * (classic-level), where the guard is read after the value (so a value returned was read before a
   * tombstone landed). `key` is valid only while the call runs (core passes a view of a scratch area
   * it reuses): a backend that keeps it copies it.
   */
  getSync?(key: Bytes, guard?: WriteGuard): Bytes | undefined;
  /**
   * Optional: `getSync`, except that the bytes returned may be memory the engine reuses at its next
   * read in this process (lmdb's shared read buffer): they are valid only until any other read, and
   * the caller decodes or copies them at once. Saves the copy `getSync` makes of every value. Same
   * snapshot and guard rules as `getSync` (a backend whose guard read would reuse that memory copies
   * the value first). Core ignores it on a backend with `ownedReads`, whose values need no copy.
   */
  getSyncTransient?(key: Bytes, guard?: WriteGuard): Bytes | undefined;
  /**
   * Optional: `readSync((r) => r.range(range), guard)` as one engine call where the engine can (SQLite:
   * one statement, its own snapshot, instead of a read transaction around two). Core uses it for a
   * read that turns out to need one range.
   */
  rangeSync?(range: ByteRange, guard?: WriteGuard): Array<[Bytes, Bytes]>;
  /**
   * Optional: `true` when every value `getSync` returns is memory of its own that nothing else
   * references (SQLite's driver makes a buffer per row), so core may hand it to a user without a
   * copy. Leave it out when values may be views of shared, pooled or stored memory (LMDB, memory).
   */
  readonly ownedReads?: boolean;
  /**
   * Optional, for engines whose small values are not memory of their own but whose large ones are:
   * every value of at least this many bytes that `getSync` returns is memory of its own, as
   * `ownedReads` says of all values (lmdb copies a large value out of its shared read buffer into an
   * array of its own). Core then hands such a value (a 1 MiB artifact) to a user without a copy.
   */
  readonly ownedReadsFrom?: number;
  /** Number of entries in `range` (ignoring `reverse`, honouring `limit`). */
  count(range: ByteRange): Promise<number>;
  /**
   * Runs `fn` atomically with the writes it makes: all of them commit or none does. If `fn` throws,
   * nothing it wrote is kept and the promise rejects with that error. The backend may run several
   * transactions in one physical commit (group commit) and may call `fn` more than once before it
   * commits; the promise resolves only once the commit is as durable as the domain's `durability`.
   */
  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T>;
  /**
   * Optional fast path for durable counters, for backends that can run one without `transact`'s
   * overhead (sqlite: synchronously, in a commit of its own, when nothing is queued). Atomically, in
   * order, replaces each update's stored bytes with `applyCounterUpdate(current, update)` (core's
   * encoding; it throws `INVALID_VALUE` for a non-counter value or a result past the safe range, and
   * then nothing is written and the promise rejects with that error); resolves with the bytes
   * written, once as durable as the domain's `durability`. Core calls it only for a lone call on a
   * domain whose kind is recorded, and uses `transact` for concurrent ones (they group-commit).
   * With a `guard` it must refuse as the guard says, in the same transaction (core always passes
   * one, and calls it only on adapters that declare `capabilities.guardedWrites`).
   */
  updateCounters?(updates: readonly CounterUpdate[], guard?: WriteGuard): Promise<Bytes[]>;
  /**
   * Optional: `updateCounters([update], guard)` committed synchronously, in a commit of its own, when
   * the engine can do so now (sqlite: nothing queued on the file and the event-loop turn's budget of
   * such commits not spent); returns the bytes written once committed as durably as the domain's
   * `durability`, or undefined, having written nothing, when it cannot now (core then calls
   * `updateCounters`). Throws what `updateCounters` would reject with. `key` may be a view that is only
   * valid during the call. Same conditions and guard duty as `updateCounters`.
   */
  updateCounterSync?(update: CounterUpdate, guard?: WriteGuard): Bytes | undefined;
  /**
   * Deletes every entry of the domain; with a `guard`, atomically with reading it and refusing as it
   * says (adapters that declare `capabilities.guardedWrites`).
   */
  clear(guard?: WriteGuard): Promise<void>;
  /** Bytes the domain occupies where the backend knows it cheaply, else undefined. */
  sizeBytes?(): Promise<number | undefined>;
}
