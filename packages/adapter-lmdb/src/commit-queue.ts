import type { RootDatabase } from 'lmdb';
import { toStoreError } from './errors.js';
import { withWriteLock } from './write-lock-rescue.js';

/** What one queued job does inside the group's write transaction. */
export interface JobStep {
  /** The caller's result. */
  readonly value: unknown;
  /** Writes the job's changes into the current write transaction. */
  apply(): void;
}

/** One caller's unit of work in a group commit. */
export interface Job {
  /** Runs the caller's function against the transaction state; throwing fails only this job. */
  run(): JobStep;
  /** Resolve only once the commit is synced to disk (durability `strict`). */
  readonly strict: boolean;
  /** Longest wait before the group commits, in ms. */
  readonly delayMs: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Thrown inside the transaction to abort it when applying a job's writes failed. */
const RETRY = Symbol('retry group without the failed job');

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for one environment: jobs queued in the same turn (or within the shortest
 * `delayMs` of the queued jobs) run in ONE synchronous write transaction, each seeing the writes
 * of those before it. A job whose function throws is left out without affecting the others. Strict
 * jobs then wait for one environment sync shared by every commit made before that sync starts.
 */
export class CommitQueue {
  readonly #root: RootDatabase;
  #pending: Job[] = [];
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  #due = 0;
  /** Settles when the last requested sync has finished (never rejects). */
  #syncChain: Promise<void> = Promise.resolve();
  /** A sync that has been requested but not started yet; later commits can join it. */
  #waitingSync: Promise<void> | undefined;

  constructor(root: RootDatabase) {
    this.#root = root;
  }

  /** Queues a job; its promise settles once the group holding it has committed. */
  enqueue(job: Job): void {
    this.#pending.push(job);
    const due = Date.now() + job.delayMs;
    if (this.#timer !== undefined && due >= this.#due) return;
    this.#clearTimer();
    this.#due = due;
    this.#timer = job.delayMs === 0 ? setImmediate(() => this.#run()) : setTimeout(() => this.#run(), job.delayMs);
  }

  /** Resolves once every queued job has committed and every requested sync has finished. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#timer !== undefined) {
      if (this.#timer !== undefined) {
        this.#clearTimer();
        this.#run();
      }
      await this.#syncChain;
    }
    await this.#syncChain;
  }

  /** Makes every commit so far durable (metadata included), whatever the flags. */
  sync(): Promise<void> {
    if (this.#waitingSync) return this.#waitingSync;
    const next = this.#syncChain.then(() => {
      this.#waitingSync = undefined;
      return envSync(this.#root);
    });
    this.#waitingSync = next;
    this.#syncChain = next.catch(() => undefined);
    return next;
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearImmediate(this.#timer as NodeJS.Immediate);
    clearTimeout(this.#timer as NodeJS.Timeout);
    this.#timer = undefined;
  }

  #run(): void {
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const outcomes = this.#commit(batch);
    if (!outcomes) return;
    const strict: Array<[Job, unknown]> = [];
    for (const [job, outcome] of outcomes) {
      if (!outcome.ok) job.reject(outcome.error);
      else if (job.strict) strict.push([job, outcome.value]);
      else job.resolve(outcome.value);
    }
    if (strict.length === 0) return;
    this.sync().then(
      () => {
        for (const [job, value] of strict) job.resolve(value);
      },
      (err: unknown) => {
        const error = toStoreError(err, 'sync');
        for (const [job] of strict) job.reject(error);
      },
    );
  }

  /** Commits the batch; a job whose writes cannot be applied is rejected and the rest retried. */
  #commit(batch: Job[]): Map<Job, Outcome> | undefined {
    let live = batch;
    for (;;) {
      const outcomes = new Map<Job, Outcome>();
      let failed: { job: Job; error: unknown } | undefined;
      try {
        withWriteLock(() =>
          this.#root.transactionSync(() => {
            for (const job of live) {
              let step: JobStep;
              try {
                step = job.run();
              } catch (error) {
                outcomes.set(job, { ok: false, error });
                continue;
              }
              try {
                step.apply();
              } catch (error) {
                failed = { job, error };
                throw RETRY;
              }
              outcomes.set(job, { ok: true, value: step.value });
            }
          }),
        );
        return outcomes;
      } catch (err) {
        if (err === RETRY && failed) {
          const { job, error } = failed;
          job.reject(toStoreError(error, 'write'));
          live = live.filter((j) => j !== job);
          if (live.length === 0) return undefined;
          continue;
        }
        const error = toStoreError(err, 'commit');
        for (const job of live) job.reject(error);
        return undefined;
      }
    }
  }
}

/** mdb_env_sync(force) on lmdb's worker thread: flushes data and meta pages. */
function envSync(root: RootDatabase): Promise<void> {
  return new Promise((resolve, reject) => {
    (root as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) => (err ? reject(err) : resolve()));
  });
}
