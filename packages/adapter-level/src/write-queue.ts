import type { Tx } from '@agentstore/core/spi';
import { diagnostics } from './diagnostics.js';
import { translateLevelError } from './errors.js';
import { GroupState, type PendingWrite, runOnce } from './group-tx.js';
import type { NativeDb } from './native.js';

/** A queued transaction. */
interface TxJob {
  readonly kind: 'tx';
  readonly prefix: Uint8Array;
  readonly fn: (tx: Tx) => unknown;
  /** The domain asks for an fsync'ed commit (`durability: 'strict'`). */
  readonly sync: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A queued operation that runs alone against the database (clear, drop, sync). */
interface ExclusiveJob {
  readonly kind: 'exclusive';
  readonly run: (db: NativeDb) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Job = TxJob | ExclusiveJob;

/** Most transactions in one physical batch; bounds the latency of the group's first member. */
const MAX_GROUP = 1024;

/** Runs of one transaction function before giving up: only a function whose reads never settle gets here. */
const MAX_RUNS = 1000;

/**
 * The one writer of a location in this process. Every write goes through it, so a transaction's reads
 * (getSync, fetched ranges) cannot be invalidated before its batch commits. Transactions queued while
 * a batch is being written form the next group: they run in turn, each seeing the earlier ones'
 * writes, and commit in one atomic batch (group commit: one fsync per group in strict mode).
 */
export class WriteQueue {
  readonly #db: NativeDb;
  readonly #jobs: Job[] = [];
  #draining = false;
  #idleWaiters: Array<() => void> = [];

  constructor(db: NativeDb) {
    this.#db = db;
  }

  /** Runs `fn` in the next group over keys under `prefix`; resolves once its batch is written. */
  transact<T>(prefix: Uint8Array, fn: (tx: Tx) => T, sync: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ kind: 'tx', prefix, fn, sync, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Runs `run` alone, after everything queued before it. */
  exclusive<T>(run: (db: NativeDb) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ kind: 'exclusive', run, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.#draining && this.#jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#draining) return;
    this.#draining = true;
    // A microtask, not a macrotask: every transact issued in the current synchronous run joins the
    // first group without adding a timer's latency to a lone write.
    queueMicrotask(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const head = this.#jobs[0];
        if (head === undefined) break;
        if (head.kind === 'exclusive') {
          this.#jobs.shift();
          try {
            head.resolve(await head.run(this.#db));
          } catch (error) {
            head.reject(translateLevelError(error, 'write'));
          }
          continue;
        }
        let end = 0;
        while (end < this.#jobs.length && end < MAX_GROUP && this.#jobs[end]?.kind === 'tx') end++;
        await this.#commitGroup(this.#jobs.splice(0, end) as TxJob[]);
      }
    } finally {
      this.#draining = false;
      this.#wakeIdle();
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Runs each member (re-running it after every range fetch), then writes one batch. */
  async #commitGroup(group: TxJob[]): Promise<void> {
    const state = new GroupState(this.#db);
    const committed: Array<{ job: TxJob; value: unknown }> = [];
    let sync = false;
    for (const job of group) {
      for (let runs = 1; ; runs++) {
        const outcome = runOnce(state, job.prefix, job.fn);
        if (outcome.kind === 'miss' && runs >= MAX_RUNS) {
          job.reject(new Error(`agentstore level adapter: transaction function still reading new ranges after ${runs} runs`));
          break;
        }
        if (outcome.kind === 'miss') {
          diagnostics.replays++;
          try {
            await state.fetch(outcome.request);
            continue;
          } catch (error) {
            job.reject(translateLevelError(error, 'transaction range read'));
            break;
          }
        }
        if (outcome.kind === 'failed') {
          // Only this caller fails; its writes never reached the group.
          job.reject(outcome.error);
          break;
        }
        for (const write of outcome.writes.writes) state.writes.add(write);
        committed.push({ job, value: outcome.value });
        if (job.sync) sync = true;
        break;
      }
    }
    if (committed.length === 0) return;
    if (state.writes.size > 0) {
      try {
        await writeAll(this.#db, state.writes.writes, sync);
      } catch (error) {
        const translated = translateLevelError(error, 'commit');
        for (const { job } of committed) job.reject(translated);
        return;
      }
      diagnostics.batches++;
    }
    diagnostics.transactions += committed.length;
    for (const { job, value } of committed) job.resolve(value);
  }
}

/**
 * Writes a group's writes atomically, in order (a later write of a key wins, as in the log); a lone
 * write skips the batch machinery (about half the cost).
 */
function writeAll(db: NativeDb, writes: PendingWrite[], sync: boolean): Promise<void> {
  const [only] = writes;
  if (writes.length === 1 && only !== undefined) {
    return only.type === 'del' ? db.del(only.key, { sync }) : db.put(only.key, only.value, { sync });
  }
  return db.batch(writes, { sync });
}
