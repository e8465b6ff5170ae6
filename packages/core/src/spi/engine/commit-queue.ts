import type { Durability } from '../adapter.js';
import type { Tx } from '../backend.js';
import { type AttemptOutcome, GroupAttempt, type GroupJob, type Settle, type Settled } from './group-attempt.js';
import { TurnBudget } from './turn-budget.js';
import type { BufferedWrite, TxEngine } from './tx-engine.js';
import { BehindSettle, lostWritesError, NOT_BLIND, PendingWrites, ProbeTx, type WriteBehind } from './write-behind.js';

/** How a `CommitQueue` groups and retries. */
export interface CommitQueueOptions {
  /** `immediate` (default): jobs issued before the event loop turns join a group; `microtask`: those of the current synchronous run. */
  readonly schedule?: 'immediate' | 'microtask';
  /** Most jobs in one group (default: no limit); bounds the latency of the group's first job. */
  readonly maxGroup?: number;
  /** Back-off retries of a group the engine reports `busy` (read each time: options may change). */
  readonly busyRetries?: () => number;
  /** Retries of a group after `retry` verdicts (default 2). */
  readonly retries?: number;
  /** Called after each physical commit, before its jobs settle, with the number of jobs in it. */
  readonly onCommit?: (jobs: number) => void;
}

/** Options of one queued job. */
export interface JobOptions {
  /** Synchronous engines: commit at once, without waiting for the group, when nothing is queued. */
  readonly now?: boolean;
  /** Longest wait, in ms, before the group holding this job commits, to let more join (default 0). */
  readonly delayMs?: number;
  /**
   * `fast` durability with a blind function (see `transact`): acknowledge the job once it is queued
   * and commit it within this window (SPEC §9.2). Ignored for other durabilities.
   */
  readonly behind?: WriteBehind | undefined;
}

type ExclusiveJob = { readonly kind: 'exclusive'; readonly work: () => Promise<unknown>; readonly settle: Settle };
/** A queued job with the time (ms since the epoch) by which its group should commit. */
type QueuedJob<D, T> = (GroupJob<D, T> | ExclusiveJob) & { readonly due: number };

/**
 * Group commit over a `TxEngine`, for one unit of the engine that serializes writers (a file, an
 * environment, a table). Jobs queued while a group is pending run in one engine transaction, in
 * order, each seeing the writes of those before it, and settle together once it has committed (so
 * `strict` pays one sync per group, at the strictest durability of the group). A job that throws
 * fails alone; an engine error fails one job, retries the group (after a back-off when busy) or
 * fails it, as the engine's `classify` says.
 */
export class CommitQueue<D, T> {
  readonly #engine: TxEngine<D, T>;
  readonly #options: CommitQueueOptions;
  #jobs: Array<QueuedJob<D, T>> = [];
  #timer: { readonly immediate: NodeJS.Immediate } | { readonly timeout: NodeJS.Timeout } | undefined;
  #due = 0;
  #scheduled = false;
  #running = false;
  #idleWaiters: Array<() => void> = [];
  #commits = 0;
  #fetches = 0;
  /** Acknowledged write-behind writes not committed yet, which reads overlay. */
  readonly #pending = new PendingWrites<D>();
  /** Write-behind jobs queued (not yet taken into a group), and the smallest batch bound among them. */
  #behindQueued = 0;
  #behindMax = Number.POSITIVE_INFINITY;
  /** Set once an acknowledged write-behind job failed to commit: every later job is refused with it. */
  #lost: unknown;
  /** Commits run synchronously or in a microtask since the event loop last turned (see `canCommitNow`). */
  readonly #turn = new TurnBudget();
  /** `#lose` for write-behind jobs: made once, not per write (see `BehindSettle`). */
  readonly #loseWith = (error: unknown): unknown => {
    this.#lose(error);
    return this.#lost;
  };

  constructor(engine: TxEngine<D, T>, options: CommitQueueOptions = {}) {
    this.#engine = engine;
    this.#options = options;
  }

  /** Physical commits made so far (tests use it to see grouping). */
  get commits(): number {
    return this.#commits;
  }

  /** Reads fetched for transaction functions so far (each one replays a function). */
  get fetches(): number {
    return this.#fetches;
  }

  /** Whether nothing is queued or committing: a write made now, outside the queue, keeps call order. */
  get idle(): boolean {
    return !this.#scheduled && !this.#running && this.#jobs.length === 0;
  }

  /**
   * Whether a write may commit synchronously now, outside a group: the queue is idle and the turn's
   * budget of such commits is not spent (see `TurnBudget`: otherwise a loop of awaited writes would
   * never let timers or I/O run).
   */
  get canCommitNow(): boolean {
    return this.#turn.available && this.idle;
  }

  /** The error of a lost write-behind batch, once one was lost (then every later job is refused with it). */
  get lost(): unknown {
    return this.#lost;
  }

  /** The acknowledged, not yet committed writes of write-behind jobs, for read paths to overlay. */
  get pending(): PendingWrites<D> {
    return this.#pending;
  }

  /**
   * Runs transaction function `fn` on `domain` in a group; resolves with its result once committed.
   * With `options.behind` and `fast` durability, `fn` must be blind (its writes and result do not
   * depend on what it reads; its reads only check and throw, like the migration guard): it runs at
   * once seeing only its own writes, which join the pending overlay, and the promise resolves then;
   * `fn` runs again in the transaction that commits it, where its checks count. A function that scans
   * (`range`) is not blind and commits before it resolves.
   */
  transact<R>(domain: D, durability: Durability, fn: (tx: Tx) => R, options?: JobOptions): Promise<R> {
    if (options?.behind !== undefined && durability === 'fast') {
      const acknowledged = this.#writeBehind(domain, fn, options.behind);
      if (acknowledged !== undefined) return acknowledged;
    }
    return this.#add((settle) => ({ kind: 'tx', domain, fn, durability, settle }), options);
  }

  /** Runs `work` directly on the open transaction, in a group (its engine errors count as the job's). */
  run<R>(durability: Durability, work: (txn: T) => R, options?: JobOptions): Promise<Awaited<R>> {
    return this.#add((settle) => ({ kind: 'run', work, durability, settle }), options);
  }

  /** Runs `work` alone, outside any group, after every job queued before it; its errors pass through `translate`. */
  exclusive<R>(work: () => Promise<R>): Promise<R> {
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    return new Promise<R>((resolve, reject) => {
      this.#jobs.push({ kind: 'exclusive', work, settle: { resolve: resolve as (v: unknown) => void, reject }, due: Date.now() });
      this.#schedule(0);
    });
  }

  /** Counts a commit the adapter made by itself while the queue was idle (an autocommit statement). */
  noteCommit(): void {
    this.#commits += 1;
    this.#options.onCommit?.(1);
    this.#turn.spend();
  }

  /** Commits what is queued without waiting out its `delayMs`; resolves once every job has settled. */
  flush(): Promise<void> {
    if (this.#timer !== undefined && !this.#running) {
      this.#clearTimer();
      void this.#drain();
    }
    return this.whenIdle();
  }

  /** Resolves once every queued job has settled. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #add<R>(make: (settle: Settle) => GroupJob<D, T>, options: JobOptions | undefined): Promise<R> {
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    return new Promise<R>((resolve, reject) => {
      const job = make({ resolve: resolve as (value: unknown) => void, reject });
      if (options?.now === true && this.#engine.sync && this.canCommitNow) return this.#runNow(job);
      const delayMs = options?.delayMs ?? 0;
      this.#jobs.push({ ...job, due: Date.now() + delayMs });
      this.#schedule(delayMs);
    });
  }

  /**
   * Queues a blind `fn` and acknowledges it at once (see `transact`); undefined when `fn` turned out
   * not to be blind (it scanned), so the caller queues it as an ordinary job.
   */
  #writeBehind<R>(domain: D, fn: (tx: Tx) => R, behind: WriteBehind): Promise<R> | undefined {
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    const probe = new ProbeTx();
    let result: R;
    try {
      result = fn(probe);
    } catch (error) {
      if (error === NOT_BLIND) return undefined;
      return Promise.reject(error);
    } finally {
      probe.finish();
    }
    const writes: readonly BufferedWrite[] = probe.writes.toApply();
    const token = {};
    this.#pending.add(domain, token, writes);
    this.#behindQueued += 1;
    this.#behindMax = Math.min(this.#behindMax, behind.maxBatch);
    // The write that fills a batch waits for its commit: backpressure, so a loop that never yields
    // to the event loop (each acknowledgement is a resolved promise) still lets batches commit, and
    // what waits (memory, and what a crash can lose) stays bounded by `maxBatch`.
    const full = this.#behindQueued >= this.#behindMax;
    const settle = new BehindSettle(this.#pending, this.#loseWith, token);
    const acknowledged = full
      ? new Promise<R>((resolve, reject) => {
          settle.waiter = { resolve: () => resolve(result), reject };
        })
      : Promise.resolve(result);
    this.#jobs.push({ kind: 'tx', domain, fn, durability: 'fast', settle, behind: true, due: Date.now() + behind.windowMs });
    this.#schedule(full ? 0 : behind.windowMs);
    return acknowledged;
  }

  /**
   * An acknowledged write-behind job failed to commit: its writes are lost, so nothing queued after
   * it may commit either (what survives stays a prefix of what was acknowledged). Every job still
   * queued is refused, the overlay is dropped, and every later call gets the same error.
   */
  #lose(error: unknown): void {
    if (this.#lost !== undefined) return;
    this.#lost = lostWritesError(error);
    this.#pending.clear();
    this.#behindQueued = 0;
    this.#behindMax = Number.POSITIVE_INFINITY;
    this.#clearTimer();
    this.#scheduled = false;
    rejectAll(this.#jobs.splice(0), this.#lost);
  }

  /** Commits `job` alone at once; when the engine is busy, it joins the queue, which backs off. */
  #runNow(job: GroupJob<D, T>): void {
    this.#turn.spend();
    const outcome = new GroupAttempt(this.#engine, [job]).runSync();
    if (outcome.kind === 'committed') this.#settle([job], outcome.settled);
    else if (this.#engine.classify(outcome.error, outcome.phase) === 'busy') {
      this.#jobs.push({ ...job, due: Date.now() });
      this.#schedule(0);
    } else job.settle.reject(this.#engine.translate(outcome.error, outcome.job === undefined ? 'commit' : 'transaction'));
  }

  #schedule(wait: number): void {
    if (this.#running) return;
    const delayMs = Math.max(0, wait);
    const due = Date.now() + delayMs;
    if (this.#scheduled && due >= this.#due) return;
    this.#clearTimer();
    this.#scheduled = true;
    this.#due = due;
    const drain = () => {
      this.#timer = undefined;
      void this.#drain();
    };
    if (delayMs > 0) this.#timer = { timeout: setTimeout(drain, delayMs) };
    // A microtask lets only the current synchronous run join; setImmediate lets every call made before
    // the event loop turns (and lets it turn: microtask groups are bounded per turn, see `canCommitNow`).
    else if (this.#options.schedule === 'microtask' && this.#turn.available) {
      this.#turn.spend();
      queueMicrotask(() => this.#scheduled && this.#timer === undefined && drain());
    } else this.#timer = { immediate: setImmediate(drain) };
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    // Each handle to its own clear function: clearImmediate given a Timeout corrupts Node's immediate queue.
    if ('immediate' in this.#timer) clearImmediate(this.#timer.immediate);
    else clearTimeout(this.#timer.timeout);
    this.#timer = undefined;
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#scheduled = false;
    this.#running = true;
    try {
      for (;;) {
        const head = this.#jobs[0];
        if (head === undefined) break;
        if (head.kind === 'exclusive') {
          this.#jobs.shift();
          try {
            head.settle.resolve(await head.work());
          } catch (error) {
            head.settle.reject(this.#engine.translate(error, 'write'));
          }
          continue;
        }
        let end = 0;
        let behind = 0;
        const max = this.#options.maxGroup ?? Number.POSITIVE_INFINITY;
        for (; end < this.#jobs.length && end < max; end++) {
          const job = this.#jobs[end] as QueuedJob<D, T>;
          if (job.kind === 'exclusive') break;
          if (job.behind === true) behind++;
        }
        this.#taken(behind);
        await this.#commitGroup(this.#jobs.splice(0, end) as Array<GroupJob<D, T>>);
        // A synchronous engine committed without yielding: let the event loop turn so the next group gathers.
        if (this.#engine.sync) break;
      }
    } finally {
      this.#running = false;
      if (this.#jobs.length > 0) this.#schedule(this.#behindQueued >= this.#behindMax ? 0 : this.#nextDue() - Date.now());
      else for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Counts `behind` write-behind jobs as taken into a group. */
  #taken(behind: number): void {
    this.#behindQueued -= behind;
    if (this.#behindQueued === 0) this.#behindMax = Number.POSITIVE_INFINITY;
  }

  /** The earliest time a queued job's group should commit by (a loop: the queue may be long). */
  #nextDue(): number {
    let due = Number.POSITIVE_INFINITY;
    for (const job of this.#jobs) if (job.due < due) due = job.due;
    return due;
  }

  async #commitGroup(group: Array<GroupJob<D, T>>): Promise<void> {
    let jobs = group;
    let busy = 0;
    let retries = 0;
    while (jobs.length > 0) {
      const attempt = new GroupAttempt(this.#engine, jobs);
      const outcome: AttemptOutcome<D, T> = this.#engine.sync ? attempt.runSync() : await attempt.run();
      this.#fetches += attempt.fetches;
      if (outcome.kind === 'committed') return this.#settle(jobs, outcome.settled);
      const { error, phase, job } = outcome;
      let verdict = this.#engine.classify(error, phase);
      if (verdict === 'job') verdict = job === undefined ? 'fail' : 'evict';
      if (verdict === 'busy' && busy < (this.#options.busyRetries?.() ?? 0)) {
        busy += 1;
        await sleep(Math.min(1000, 10 * 2 ** busy) * (0.5 + Math.random()));
        continue;
      }
      if (verdict === 'evict' && job !== undefined) {
        // An engine error only this job's work hit: fail it, retry the rest at once.
        job.settle.reject(this.#engine.translate(error, 'transaction'));
        const at = jobs.indexOf(job);
        // An acknowledged write lost: those after it must not commit either (the queue is lost now).
        if (job.behind === true) rejectAll(jobs.slice(at + 1), this.#lost);
        jobs = job.behind === true ? jobs.slice(0, at) : jobs.filter((other) => other !== job);
        continue;
      }
      if (verdict === 'retry' && retries < (this.#options.retries ?? 2)) {
        retries += 1;
        try {
          await this.#engine.repair?.(error);
          continue;
        } catch (repairError) {
          return rejectAll(jobs, this.#engine.translate(repairError, 'repair'));
        }
      }
      return rejectAll(jobs, this.#engine.translate(error, phase === 'commit' ? 'commit' : 'transaction'));
    }
  }

  /** Settles a committed group: strict jobs after the engine's extra durable step when it has one. */
  #settle(jobs: ReadonlyArray<GroupJob<D, T>>, settled: readonly Settled[]): void {
    this.#commits += 1;
    this.#options.onCommit?.(jobs.length);
    let durable: Promise<void> | undefined;
    for (const [i, job] of jobs.entries()) {
      const outcome = settled[i] as Settled;
      // After a lost write-behind job the attempt ran nothing more (see GroupAttempt): refused alike.
      if (!outcome.ok) job.settle.reject(this.#lost ?? outcome.error);
      else if (job.durability !== 'strict' || this.#engine.durable === undefined) job.settle.resolve(outcome.value);
      else {
        durable ??= this.#engine.durable();
        durable.then(
          () => job.settle.resolve(outcome.value),
          (error: unknown) => job.settle.reject(this.#engine.translate(error, 'sync')),
        );
      }
    }
  }
}

function rejectAll(jobs: ReadonlyArray<{ readonly settle: Settle }>, error: unknown): void {
  for (const job of jobs) job.settle.reject(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
