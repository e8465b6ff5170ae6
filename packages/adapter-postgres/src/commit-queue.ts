import { type Bytes, byteId, compareKeys, type Durability, MIGRATION_GUARD_KEY, type Tx } from '@agentstore/core/spi';
import type { PooledClient } from './driver.js';
import { isConnectionError, isMissingRelation, isRetryable, translateError } from './errors.js';
import { GroupState, type PendingWrite, type ReadRequest, runOnce } from './group-tx.js';
import type { QueuedTable, TableTarget } from './table-target.js';

/** A queued transaction function. */
interface TxJob {
  readonly kind: 'tx';
  readonly fn: (tx: Tx) => unknown;
  readonly durability: Durability;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A queued operation that runs alone in its own locked transaction (clear, drop). */
interface ExclusiveJob {
  readonly kind: 'exclusive';
  readonly run: (client: PooledClient) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Job = TxJob | ExclusiveJob;
type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Most transactions in one commit group; bounds the latency of the group's first member. */
const MAX_GROUP = 512;
/** Runs of one transaction function before giving up: only a function whose reads never settle gets here. */
const MAX_RUNS = 1000;
/** Rows per write statement; values past `BIG_VALUE` bytes go one per statement, as binary parameters. */
const WRITE_BATCH_ROWS = 1000;
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;
const BIG_VALUE = 256 * 1024;
/** Connection losses before COMMIT after which a group is retried on a fresh connection. */
const RECONNECTS = 1;
/** Times a group recreates a table (or schema) dropped under it. */
const RECREATES = 2;

/** Commit groups and physical commits made by this process (tests read it to see grouping). */
export const commitStats = { groups: 0, transactions: 0, fetches: 0 };

/**
 * Group commit for one domain table. Transactions queued while a group is running form the next
 * group: one PostgreSQL transaction that first takes the domain's advisory lock (so writers of the
 * domain are serialized across processes and hosts), then runs each function in turn, each seeing
 * the earlier ones' writes. A function reading data not fetched yet is stopped, the data is fetched
 * inside the same locked transaction, and the function runs again (read-through replay). A function
 * that throws fails alone. Every promise settles only once COMMIT has returned.
 */
export class CommitQueue {
  readonly #db: TableTarget;
  readonly #table: QueuedTable;
  readonly #jobs: Job[] = [];
  #scheduled = false;
  #running = false;
  #idleWaiters: Array<() => void> = [];

  constructor(db: TableTarget, table: QueuedTable) {
    this.#db = db;
    this.#table = table;
  }

  /** Runs `fn` in the next commit group; resolves with its result once committed. */
  transact<T>(fn: (tx: Tx) => T, durability: Durability): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ kind: 'tx', fn, durability, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Runs `run` alone in a transaction holding the domain's lock, after everything queued before it. */
  exclusive<T>(run: (client: PooledClient) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ kind: 'exclusive', run, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Whether nothing is queued or running: a write made now, outside the queue, keeps call order. */
  get isIdle(): boolean {
    return !this.#running && !this.#scheduled && this.#jobs.length === 0;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
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
    try {
      for (;;) {
        const head = this.#jobs[0];
        if (head === undefined) break;
        if (head.kind === 'exclusive') {
          this.#jobs.shift();
          await this.#runExclusive(head);
          continue;
        }
        let end = 0;
        while (end < this.#jobs.length && end < MAX_GROUP && this.#jobs[end]?.kind === 'tx') end++;
        await this.#commitGroup(this.#jobs.splice(0, end) as TxJob[]);
      }
    } finally {
      this.#running = false;
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  async #runExclusive(job: ExclusiveJob): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.#db.transaction(this.#table.begin(false), job.run);
      if (result.ok) return job.resolve(result.value);
      if (isRetryable(result.error) && attempt < this.#db.settings.busyRetries) {
        await backoff(attempt);
        continue;
      }
      return job.reject(translateError(result.error, `${this.#table.domain}: exclusive operation`));
    }
  }

  async #commitGroup(jobs: TxJob[]): Promise<void> {
    const fast = jobs.every((job) => job.durability === 'fast');
    let busy = 0;
    let reconnects = 0;
    let recreates = 0;
    for (;;) {
      const state = new GroupState();
      const settled: Settled[] = [];
      const result = await this.#db.transaction(this.#table.beginReadingGuard(fast), async (client, preluded) => {
        state.storeValue(GUARD_REQUEST, guardOf(preluded), undefined);
        for (const job of jobs) settled.push(await this.#runJob(job, state, client));
        if (state.writes.size > 0) await this.#write(client, state.writes);
      });
      if (result.ok) {
        commitStats.groups++;
        commitStats.transactions += jobs.length;
        if (fast) this.#db.noteFastCommit();
        jobs.forEach((job, i) => {
          const outcome = settled[i] as Settled;
          if (outcome.ok) job.resolve(outcome.value);
          else job.reject(outcome.error);
        });
        return;
      }
      const { error, duringCommit } = result;
      if (!duringCommit && isRetryable(error) && busy < this.#db.settings.busyRetries) {
        await backoff(busy++);
        continue;
      }
      if (!duringCommit && isMissingRelation(error) && recreates < RECREATES) {
        recreates++;
        try {
          await this.#table.ensure(true);
          continue;
        } catch (ensureError) {
          return this.#rejectAll(jobs, translateError(ensureError, `${this.#table.domain}: recreating the table`));
        }
      }
      // Nothing was committed when the connection died before COMMIT: try once more on a new one.
      if (!duringCommit && isConnectionError(error) && reconnects < RECONNECTS) {
        reconnects++;
        continue;
      }
      const doing = duringCommit ? `${this.#table.domain}: commit (its outcome is unknown)` : `${this.#table.domain}: transaction`;
      return this.#rejectAll(jobs, translateError(error, doing));
    }
  }

  /** Runs one member until it completes, fetching what it misses; its writes join the group's. */
  async #runJob(job: TxJob, state: GroupState, client: PooledClient): Promise<Settled> {
    for (let runs = 1; ; runs++) {
      const outcome = runOnce(state, job.fn);
      if (outcome.kind === 'failed') return { ok: false, error: outcome.error };
      if (outcome.kind === 'done') {
        for (const [id, write] of outcome.writes) state.writes.set(id, write);
        return { ok: true, value: outcome.value };
      }
      if (runs >= MAX_RUNS) {
        return { ok: false, error: new Error(`postgres: transaction function still reading new data after ${runs} runs`) };
      }
      // A native failure here aborts the PostgreSQL transaction: it fails the whole attempt.
      await this.#fetch(client, outcome.request, state);
    }
  }

  async #fetch(client: PooledClient, request: ReadRequest, state: GroupState): Promise<void> {
    commitStats.fetches++;
    const sql = this.#table.sql;
    if (request.kind === 'range') {
      const result = await client.query({ ...sql.range(request.bounds, request.reverse, request.want), rowMode: 'array' });
      return state.storeRange(request, result.rows as Array<[Bytes, Bytes]>);
    }
    // The key with its neighbours: when it is absent, the gap between them is known empty too.
    const result = await client.query({ ...sql.getWithNeighbours(request.key), rowMode: 'array' });
    let value: Bytes | undefined;
    let after: Bytes | undefined;
    let before: Bytes | undefined;
    for (const [k, v] of result.rows as Array<[Bytes, Bytes | null]>) {
      const order = compareKeys(k, request.key);
      if (order === 0) value = v ?? undefined;
      else if (order < 0) after = k;
      else before = k;
    }
    state.storeValue(request, value, value === undefined ? { after, before } : undefined);
  }

  /** Applies a group's writes: batched upserts and deletes, big values one per statement. */
  async #write(client: PooledClient, writes: Map<string, PendingWrite>): Promise<void> {
    const sql = this.#table.sql;
    let puts: Array<[Bytes, Bytes]> = [];
    let dels: Bytes[] = [];
    let bytes = 0;
    const flush = async () => {
      if (puts.length === 0 && dels.length === 0) return;
      await client.query({ ...sql.write(puts, dels), rowMode: 'array' });
      puts = [];
      dels = [];
      bytes = 0;
    };
    for (const { key, value } of writes.values()) {
      if (value === undefined) dels.push(key);
      else if (value.byteLength >= BIG_VALUE) await client.query({ ...sql.putOne(key, value), rowMode: 'array' });
      else {
        puts.push([key, value]);
        bytes += key.byteLength + value.byteLength;
      }
      if (puts.length + dels.length >= WRITE_BATCH_ROWS || bytes >= WRITE_BATCH_BYTES) await flush();
    }
    await flush();
  }

  #rejectAll(jobs: TxJob[], error: unknown): void {
    for (const job of jobs) job.reject(error);
  }
}

/** The read of core's migration guard that every group fetches with its prelude. */
const GUARD_REQUEST = { kind: 'get', id: byteId(MIGRATION_GUARD_KEY), key: MIGRATION_GUARD_KEY } as const;

/** The guard's value from the prelude's results (the last statement's row, if any). */
function guardOf(preluded: unknown): Bytes | undefined {
  const results = Array.isArray(preluded) ? preluded : [preluded];
  const last = results.at(-1) as { rows?: Array<{ v?: Bytes }> } | undefined;
  return last?.rows?.[0]?.v ?? undefined;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
