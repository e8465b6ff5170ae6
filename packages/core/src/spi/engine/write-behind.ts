import { StoreError } from '../../errors.js';
import { compareBytes } from '../../keys/bytes.js';
import type { ByteRange, Bytes, Tx } from '../backend.js';
import { inByteRange, keyId } from './byte-keys.js';
import type { Settle } from './group-attempt.js';
import type { BufferedWrite } from './tx-engine.js';
import { WriteLog } from './write-log.js';

/** Write-behind settings of a `fast` domain (SPEC §9.2): its writes commit within `windowMs` or once `maxBatch` are queued. */
export interface WriteBehind {
  /** Longest time, in ms, an acknowledged write waits in the queue before its batch commits. */
  readonly windowMs: number;
  /** Queued writes (calls) that make the batch commit at once. */
  readonly maxBatch: number;
}

/** The write-behind settings of a domain from its options, or undefined unless its durability is `fast`. */
export function writeBehindOf(options: {
  readonly durability: string;
  readonly fastWindowMs?: number;
  readonly fastMaxBatch?: number;
}): WriteBehind | undefined {
  if (options.durability !== 'fast') return undefined;
  return { windowMs: options.fastWindowMs ?? 10, maxBatch: options.fastMaxBatch ?? 1000 };
}

/** Thrown by a probe's `range`: a function that scans is not blind, so it commits before it resolves. */
export const NOT_BLIND: unique symbol = Symbol('not blind');

/**
 * The `Tx` a blind function runs against when it is queued: it sees its own writes and nothing else
 * (a read of any other key answers undefined). A blind function reads only to check (the migration
 * guard), and it runs again, against the committed state, in the transaction that commits it, where
 * the checks count; so queuing one costs no read and no lookup in the pending writes.
 */
export class ProbeTx implements Tx {
  /** The function's writes, in call order. */
  readonly writes = new WriteLog();
  #finished = false;

  /** Makes later calls throw: a function must not keep `tx` beyond its synchronous run. */
  finish(): void {
    this.#finished = true;
  }

  get(key: Bytes): Bytes | undefined {
    this.#assertActive();
    return this.writes.find(key)?.value;
  }

  getMany(keys: readonly Bytes[]): Array<Bytes | undefined> {
    return keys.map((key) => this.get(key));
  }

  range(_range: ByteRange): Array<[Bytes, Bytes]> {
    throw NOT_BLIND;
  }

  put(key: Bytes, value: Bytes): void {
    this.#assertActive();
    this.writes.add({ key, value });
  }

  del(key: Bytes): void {
    this.#assertActive();
    this.writes.add({ key, value: undefined });
  }

  #assertActive(): void {
    if (this.#finished) throw new StoreError('CLOSED', 'the transaction has already finished');
  }
}

/** One acknowledged write waiting in the queue, tagged with the job that will commit it. */
interface PendingEntry {
  readonly write: BufferedWrite;
  readonly job: object;
}

/** One acknowledged job's writes, in queue order; `ids` once they are in the index. */
interface PendingJob<D> {
  readonly domain: D;
  readonly job: object;
  readonly writes: readonly BufferedWrite[];
  ids?: string[];
}

/**
 * The acknowledged writes of a queue's `fast` domains that have not committed yet, latest per key,
 * so that reads in this process see them at once (SPEC §9.2). A job's writes leave when it has
 * committed (unless a later write of the key replaced them), or when the queue is lost. The index by
 * key is built on the first read after writes were added: a process that only writes pays nothing
 * per write for it.
 */
export class PendingWrites<D> {
  /** Jobs in queue order (which is commit order): landed jobs leave from the front. */
  readonly #jobs: Array<PendingJob<D>> = [];
  readonly #byDomain = new Map<D, Map<string, PendingEntry>>();
  /** How many of `#jobs` (from the front) are in `#byDomain`. */
  #indexed = 0;

  /** Whether any write is pending (the read paths' first, cheapest check). */
  get empty(): boolean {
    return this.#jobs.length === 0;
  }

  /** Records the writes of `job` (in call order). */
  add(domain: D, job: object, writes: readonly BufferedWrite[]): void {
    this.#jobs.push({ domain, job, writes });
  }

  /** Forgets what `job` queued once it has committed: reads find it in the engine from now on. */
  landed(job: object): void {
    // Jobs commit in queue order, so `job` is (almost always) the first one.
    const at = this.#jobs.findIndex((pending) => pending.job === job);
    if (at < 0) return;
    const [pending] = this.#jobs.splice(at, 1) as [PendingJob<D>];
    if (at < this.#indexed) {
      this.#indexed--;
      const entries = this.#byDomain.get(pending.domain);
      if (entries !== undefined) {
        for (const id of pending.ids ?? []) if (entries.get(id)?.job === job) entries.delete(id);
        if (entries.size === 0) this.#byDomain.delete(pending.domain);
      }
    }
  }

  /** Forgets everything (the queue lost a batch: nothing pending will commit). */
  clear(): void {
    this.#jobs.length = 0;
    this.#byDomain.clear();
    this.#indexed = 0;
  }

  /** The pending write of `key` in `domain`, or undefined when there is none. */
  find(domain: D, key: Bytes): BufferedWrite | undefined {
    if (this.#jobs.length === 0) return undefined;
    return this.#index().get(domain)?.get(keyId(key))?.write;
  }

  /** The pending writes of `domain` inside `range`'s bounds, in `range`'s order (a snapshot). */
  inRange(domain: D, range: ByteRange): BufferedWrite[] {
    if (this.#jobs.length === 0) return [];
    const entries = this.#index().get(domain);
    if (entries === undefined) return [];
    const found: BufferedWrite[] = [];
    for (const { write } of entries.values()) if (inByteRange(write.key, range)) found.push(write);
    const direction = range.reverse === true ? -1 : 1;
    return found.sort((a, b) => compareBytes(a.key, b.key) * direction);
  }

  /** The index by domain and key, with every job added since the last read in it. */
  #index(): Map<D, Map<string, PendingEntry>> {
    for (; this.#indexed < this.#jobs.length; this.#indexed++) {
      const pending = this.#jobs[this.#indexed] as PendingJob<D>;
      let entries = this.#byDomain.get(pending.domain);
      if (entries === undefined) {
        entries = new Map();
        this.#byDomain.set(pending.domain, entries);
      }
      const ids: string[] = [];
      for (const write of pending.writes) {
        const id = keyId(write.key);
        entries.set(id, { write, job: pending.job });
        ids.push(id);
      }
      pending.ids = ids;
    }
    return this.#byDomain;
  }
}

/**
 * How a queued write-behind job settles once its group committed or failed: its writes leave the
 * overlay, or the queue is lost (`lose` returns the error later calls get). A class, not a literal
 * with arrow functions: one object per acknowledged write instead of three closures (and, when run
 * from sources through tsx, three `__name` calls, which cost ~8% of a `fast` saver put in the bench).
 */
export class BehindSettle<D> implements Settle {
  /** The caller's promise when its write filled the batch: it resolves once the batch has committed. */
  waiter: Settle | undefined;
  readonly #pending: PendingWrites<D>;
  readonly #lose: (error: unknown) => unknown;
  readonly #token: object;

  constructor(pending: PendingWrites<D>, lose: (error: unknown) => unknown, token: object) {
    this.#pending = pending;
    this.#lose = lose;
    this.#token = token;
  }

  resolve(): void {
    this.#pending.landed(this.#token);
    this.waiter?.resolve(undefined);
  }

  reject(error: unknown): void {
    const lost = this.#lose(error);
    this.waiter?.reject(lost);
  }
}

/**
 * The error every later write (and `sync`, `close`) of a queue gets once an acknowledged write-behind
 * batch failed to commit: a later write must not land after a lost one (no hole in what survives).
 */
export function lostWritesError(cause: unknown): StoreError {
  const code = cause instanceof StoreError ? cause.code : 'IO';
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StoreError(
    code,
    `fast: acknowledged writes were lost (their batch failed to commit: ${why}); later writes here are refused until the store is reopened`,
    { cause },
  );
}
