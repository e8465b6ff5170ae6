import { type Durability, StoreError } from '@agentstore/core/spi';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { isBusy, isFatal, sqliteCode, translateError } from './errors.js';

/** One unit of work for a commit group: runs inside the group's write transaction. */
interface CommitJob {
  readonly durability: Durability;
  /** Does the work; may throw to fail only this job (a native SQLite error fails the attempt). */
  run(): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Attempt =
  | { readonly kind: 'committed' }
  | { readonly kind: 'busy'; readonly error: unknown }
  | { readonly kind: 'evict'; readonly job: CommitJob; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Group commit for one connection. Jobs pushed while a group is pending (the same tick, or while
 * the event loop is busy) run in one `BEGIN IMMEDIATE … COMMIT`, in order, each seeing the writes
 * of those before it; they settle together once the commit is durable, so `strict` pays one fsync
 * per group. A job that throws fails alone; BUSY after the busy timeout retries the whole group.
 */
export class CommitQueue {
  readonly #db: SqliteDatabase;
  readonly #busyRetries: () => number;
  readonly #begin: SqliteStatement;
  readonly #commit: SqliteStatement;
  readonly #rollback: SqliteStatement;
  #pending: CommitJob[] = [];
  #scheduled = false;
  #running = false;
  #idleWaiters: Array<() => void> = [];
  #synchronous: 'FULL' | 'NORMAL' | undefined;
  #commits = 0;

  readonly #afterCommit: () => void;

  /** `afterCommit` runs after each physical commit (before its jobs settle). */
  constructor(db: SqliteDatabase, busyRetries: () => number, afterCommit: () => void) {
    this.#db = db;
    this.#busyRetries = busyRetries;
    this.#afterCommit = afterCommit;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
  }

  /** Physical commits made so far (tests use it to see grouping). */
  get commits(): number {
    return this.#commits;
  }

  /** Queues `run` for the next commit group; resolves with its result once committed. */
  push<T>(durability: Durability, run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ durability, run, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /**
   * Runs `run` in a commit of its own at once, without waiting for the event loop to turn, when
   * nothing is queued or committing; otherwise queues it behind what is (order kept). BUSY after
   * the busy timeout hands it to the queue, which retries with back-off.
   */
  runNow<T>(durability: Durability, run: () => T): Promise<T> {
    if (this.#scheduled || this.#running || this.#pending.length > 0) return this.push(durability, run);
    return new Promise<T>((resolve, reject) => {
      const job: CommitJob = { durability, run, resolve: resolve as (value: unknown) => void, reject };
      const attempt = this.#attempt([job]);
      if (attempt.kind === 'committed') return;
      if (attempt.kind === 'busy') {
        this.#pending.push(job);
        this.#schedule();
        return;
      }
      reject(translateError(attempt.error, attempt.kind === 'evict' ? 'transaction' : 'commit'));
    });
  }

  /** Whether nothing is queued or committing. */
  get idle(): boolean {
    return !this.#scheduled && !this.#running && this.#pending.length === 0;
  }

  /**
   * Runs `write`, one statement in autocommit (its own transaction), at once, with the synchronous
   * level `durability` needs, and counts it as a commit. Only when `idle`; its errors are thrown.
   */
  autocommit<T>(durability: Durability, write: () => T): T {
    this.#setSynchronous(durability === 'strict' ? 'FULL' : 'NORMAL');
    const result = write();
    this.#commits += 1;
    this.#afterCommit();
    return result;
  }

  /** Resolves once every queued job has settled. */
  whenIdle(): Promise<void> {
    if (!this.#running && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: every call made before the event loop turns joins the group.
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    this.#scheduled = false;
    this.#running = true;
    const group = this.#pending;
    this.#pending = [];
    try {
      await this.#commitGroup(group);
    } finally {
      this.#running = false;
      if (this.#pending.length > 0) this.#schedule();
      else for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  async #commitGroup(group: CommitJob[]): Promise<void> {
    let jobs = group;
    let busyAttempts = 0;
    while (jobs.length > 0) {
      const attempt = this.#attempt(jobs);
      if (attempt.kind === 'committed') return;
      if (attempt.kind === 'evict') {
        // A native error only this job's work hit (not the file's state): fail it, retry the rest.
        attempt.job.reject(translateError(attempt.error, 'transaction'));
        jobs = jobs.filter((job) => job !== attempt.job);
        continue;
      }
      if (attempt.kind === 'busy' && busyAttempts < this.#busyRetries()) {
        busyAttempts += 1;
        await sleep(Math.min(1000, 10 * 2 ** busyAttempts) * (0.5 + Math.random()));
        continue;
      }
      const error = translateError(attempt.error, 'commit');
      for (const job of jobs) job.reject(error);
      return;
    }
  }

  /** One physical attempt at committing `jobs`; settles them only when it commits. */
  #attempt(jobs: CommitJob[]): Attempt {
    const settled: Settled[] = [];
    let current: CommitJob | undefined;
    try {
      this.#setSynchronous(jobs.some((job) => job.durability === 'strict') ? 'FULL' : 'NORMAL');
      this.#begin.run();
      for (const job of jobs) {
        current = job;
        try {
          settled.push({ ok: true, value: job.run() });
        } catch (error) {
          if (sqliteCode(error) !== undefined) throw error;
          settled.push({ ok: false, error });
        }
        // SQLite rolls back by itself on some errors (FULL, IOERR): never go on in autocommit.
        if (!this.#db.inTransaction) throw new StoreError('IO', 'sqlite: the transaction was rolled back');
      }
      current = undefined;
      this.#commit.run();
    } catch (error) {
      this.#rollbackQuietly();
      if (isBusy(error)) return { kind: 'busy', error };
      if (current !== undefined && !isFatal(error)) return { kind: 'evict', job: current, error };
      return { kind: 'failed', error };
    }
    this.#commits += 1;
    this.#afterCommit();
    jobs.forEach((job, i) => {
      const outcome = settled[i] as Settled;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
    return { kind: 'committed' };
  }

  #rollbackQuietly(): void {
    try {
      if (this.#db.inTransaction) this.#rollback.run();
    } catch {
      // The attempt already failed; its error is the one worth reporting.
    }
  }

  // The pragma cannot change inside a transaction, so it is set per group, before BEGIN.
  #setSynchronous(level: 'FULL' | 'NORMAL'): void {
    if (this.#synchronous === level) return;
    this.#db.exec(`PRAGMA synchronous = ${level}`);
    this.#synchronous = level;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
