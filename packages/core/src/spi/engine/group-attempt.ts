import type { Durability } from '../adapter.js';
import type { Tx } from '../backend.js';
import { AbsentKeys } from './absent-keys.js';
import { ReadCache } from './read-cache.js';
import type { EnginePhase, TxEngine } from './tx-engine.js';
import { type ReadMiss, TxView } from './tx-view.js';
import { WriteLog } from './write-log.js';

/** A queued unit of work that runs inside a group's write transaction. */
export type GroupJob<D, T> =
  | {
      readonly kind: 'tx';
      readonly domain: D;
      readonly fn: (tx: Tx) => unknown;
      readonly durability: Durability;
      readonly settle: Settle;
      /** Acknowledged already (write-behind): when it fails, no later job of the attempt may commit. */
      readonly behind?: boolean;
    }
  | {
      readonly kind: 'run';
      readonly work: (txn: T) => unknown;
      readonly durability: Durability;
      readonly settle: Settle;
      readonly behind?: undefined;
    };

/** Settles a job's promise. */
export interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** How one job ended inside an attempt (it takes effect only if the attempt commits). */
export type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** How one physical attempt at committing a group ended. */
export type AttemptOutcome<D, T> =
  | { readonly kind: 'committed'; readonly settled: readonly Settled[] }
  | { readonly kind: 'error'; readonly error: unknown; readonly phase: EnginePhase; readonly job: GroupJob<D, T> | undefined };

/** How one run of a transaction function ended, with the view holding its writes. */
type RunResult<D, T> =
  | { readonly ok: true; readonly value: unknown; readonly view: TxView<D, T> }
  | { readonly ok: false; readonly error: unknown };

/** Runs of one transaction function before giving up: only a function whose reads never settle gets here. */
const MAX_RUNS = 1000;

/** The strictest durability any job of `jobs` asks for. */
function strictest(jobs: ReadonlyArray<{ readonly durability: Durability }>): Durability {
  let level: Durability = 'fast';
  for (const job of jobs) {
    if (job.durability === 'strict') return 'strict';
    if (job.durability === 'balanced') level = 'balanced';
  }
  return level;
}

/**
 * One attempt at committing a group: one engine transaction in which every job runs in order, each
 * seeing the writes of those before it. A job that throws fails alone; an engine error ends the
 * attempt (the queue decides from `classify` what happens next).
 */
export class GroupAttempt<D, T> {
  readonly #engine: TxEngine<D, T>;
  readonly #jobs: ReadonlyArray<GroupJob<D, T>>;
  readonly #settled: Settled[] = [];
  /** The group's writes per domain, when the engine's reads do not see them. */
  #overlays: Map<D, WriteLog> | undefined;
  /** What was fetched per domain, when the engine reads by fetching. */
  #caches: Map<D, ReadCache> | undefined;
  /** Short keys found absent per domain, when the engine reads synchronously and sees its own writes. */
  #absent: Map<D, AbsentKeys> | undefined;
  #current: GroupJob<D, T> | undefined;
  /** The error of an acknowledged (write-behind) job that failed: the jobs after it are not run. */
  #halted: { readonly error: unknown } | undefined;
  #phase: EnginePhase = 'begin';
  /** Reads fetched (replays made) in this attempt. */
  fetches = 0;

  constructor(engine: TxEngine<D, T>, jobs: ReadonlyArray<GroupJob<D, T>>) {
    this.#engine = engine;
    this.#jobs = jobs;
    if (engine.sync && engine.readsOwnWrites && engine.get !== undefined) this.#absent = new Map();
  }

  /** Runs the attempt synchronously (engines with `sync: true`). */
  runSync(): AttemptOutcome<D, T> {
    try {
      const done = this.#engine.transaction(strictest(this.#jobs), (txn) => {
        for (const job of this.#jobs) this.#record(job, this.#halted ? undefined : this.#runSync(txn, job));
        this.#done();
      });
      if (done instanceof Promise) throw new TypeError('a synchronous engine returned a promise from transaction()');
    } catch (error) {
      return this.#failed(error);
    }
    return { kind: 'committed', settled: this.#settled };
  }

  /** Runs the attempt, fetching and replaying what functions read (any engine). */
  async run(): Promise<AttemptOutcome<D, T>> {
    try {
      await this.#engine.transaction(strictest(this.#jobs), async (txn) => {
        for (const job of this.#jobs) this.#record(job, this.#halted ? undefined : await this.#runAsync(txn, job));
        this.#done();
      });
    } catch (error) {
      return this.#failed(error);
    }
    return { kind: 'committed', settled: this.#settled };
  }

  /**
   * Records how `job` ended (undefined: not run, an acknowledged job before it failed). A failed
   * acknowledged job halts the attempt's later jobs, so none lands after a lost write (no hole).
   */
  #record(job: GroupJob<D, T>, settled: Settled | undefined): void {
    if (this.#halted !== undefined) {
      this.#settled.push({ ok: false, error: this.#halted.error });
      return;
    }
    const outcome = settled as Settled;
    this.#settled.push(outcome);
    if (!outcome.ok && job.behind === true) this.#halted = { error: outcome.error };
  }

  #runSync(txn: T, job: GroupJob<D, T>): Settled {
    this.#current = job;
    if (job.kind === 'run') {
      // The work may write anything through the transaction: what was found absent may not be now.
      this.#absent?.clear();
      return this.#work(() => job.work(txn));
    }
    const outcome = this.#once(txn, job);
    if ('kind' in outcome) throw new TypeError('a synchronous engine must implement get and range');
    if (outcome.ok && outcome.view.writes.size > 0) {
      this.#phase = 'write';
      const writes = outcome.view.writes.toApply();
      const written = this.#engine.write(txn, job.domain, writes);
      if (written instanceof Promise) throw new TypeError('a synchronous engine returned a promise from write()');
      this.#absent?.get(job.domain)?.written(writes);
      this.#overlay(job.domain, outcome.view);
    }
    return outcome.ok ? { ok: true, value: outcome.value } : outcome;
  }

  async #runAsync(txn: T, job: GroupJob<D, T>): Promise<Settled> {
    this.#current = job;
    if (job.kind === 'run') {
      this.#absent?.clear();
      this.#phase = 'run';
      try {
        return { ok: true, value: await job.work(txn) };
      } catch (error) {
        if (this.#engine.classify(error, 'run') === 'job') return { ok: false, error };
        throw error;
      }
    }
    for (let runs = 1; ; runs++) {
      const outcome = this.#once(txn, job);
      if (!('kind' in outcome)) {
        if (outcome.ok && outcome.view.writes.size > 0) {
          this.#phase = 'write';
          const writes = outcome.view.writes.toApply();
          await this.#engine.write(txn, job.domain, writes);
          this.#absent?.get(job.domain)?.written(writes);
          this.#overlay(job.domain, outcome.view);
        }
        return outcome.ok ? { ok: true, value: outcome.value } : outcome;
      }
      if (runs >= MAX_RUNS) return { ok: false, error: new Error(`transaction function still reading new data after ${runs} runs`) };
      this.#phase = 'fetch';
      await this.#fetch(txn, job.domain, outcome);
    }
  }

  /** One run of a transaction function: its result and writes, or the read it missed. */
  #once(txn: T, job: GroupJob<D, T> & { kind: 'tx' }): RunResult<D, T> | ReadMiss {
    this.#phase = 'read';
    const view = new TxView(
      this.#engine,
      txn,
      job.domain,
      this.#overlays?.get(job.domain),
      this.#cache(job.domain),
      this.#absentIn(job.domain),
    );
    let result: RunResult<D, T>;
    try {
      result = { ok: true, value: job.fn(view), view };
    } catch (error) {
      result = { ok: false, error };
    }
    view.finish();
    // A miss wins over whatever the function made of it: that run saw incomplete data.
    if (view.miss !== undefined) return view.miss;
    // An engine failure under a read outranks what the function made of it.
    if (view.failure !== undefined) throw view.failure;
    return result;
  }

  #work(work: () => unknown): Settled {
    this.#phase = 'run';
    try {
      return { ok: true, value: work() };
    } catch (error) {
      if (this.#engine.classify(error, 'run') === 'job') return { ok: false, error };
      throw error;
    }
  }

  async #fetch(txn: T, domain: D, miss: ReadMiss): Promise<void> {
    this.fetches++;
    const cache = this.#cache(domain) as ReadCache;
    const engine = this.#engine;
    if (miss.kind === 'get' || miss.kind === 'getMany') {
      if (engine.fetch === undefined) throw new TypeError('an engine without get must implement fetch');
      if (miss.kind === 'get') cache.storeValue(miss.key, await engine.fetch(txn, domain, miss.key));
      // One after another: an engine's open transaction is one connection (or one snapshot), and
      // what a fetch learns (a gap) can answer the keys after it.
      else for (const key of miss.keys) if (cache.value(key) === undefined) cache.storeValue(key, await engine.fetch(txn, domain, key));
      return;
    }
    if (engine.fetchRange === undefined) throw new TypeError('an engine without range must implement fetchRange');
    const range = miss.want === miss.range.limit ? miss.range : { ...miss.range, limit: miss.want };
    cache.storeRange(miss.id, miss.want, await engine.fetchRange(txn, domain, range));
  }

  #absentIn(domain: D): AbsentKeys | undefined {
    const all = this.#absent;
    if (all === undefined) return undefined;
    let keys = all.get(domain);
    if (keys === undefined) {
      keys = new AbsentKeys();
      all.set(domain, keys);
    }
    return keys;
  }

  #cache(domain: D): ReadCache | undefined {
    if (this.#engine.get !== undefined && this.#engine.range !== undefined) return undefined;
    this.#caches ??= new Map();
    let cache = this.#caches.get(domain);
    if (cache === undefined) {
      cache = new ReadCache();
      this.#caches.set(domain, cache);
    }
    return cache;
  }

  /**
   * Adds a job's writes to the group's overlay when the engine's reads cannot see them, or when reads
   * come from the attempt's cache (fetched before the writes).
   */
  #overlay(domain: D, view: TxView<D, T>): void {
    const engine = this.#engine;
    if (engine.readsOwnWrites && engine.get !== undefined && engine.range !== undefined) return;
    this.#overlays ??= new Map();
    let log = this.#overlays.get(domain);
    if (log === undefined) {
      log = new WriteLog();
      this.#overlays.set(domain, log);
    }
    for (const write of view.writes.toApply()) log.add(write);
  }

  #done(): void {
    this.#current = undefined;
    this.#phase = 'commit';
  }

  #failed(error: unknown): AttemptOutcome<D, T> {
    return { kind: 'error', error, phase: this.#phase, job: this.#current };
  }
}
