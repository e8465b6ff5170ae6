import type { BufferedWrite, ByteRange, Bytes, Durability, EnginePhase, ErrorVerdict, FetchedValue, TxEngine } from '@agentstore/core/spi';
import { byteId, compareKeys, toBounds } from '@agentstore/core/spi';
import type { PooledClient } from './driver.js';
import { isConnectionError, isMissingRelation, isRetryable, translateError } from './errors.js';
import { isAfterAll, isGuardKey, type Partition, partitionOf, partitionOfRange, partitionSpan, sortLockIds } from './key-locks.js';
import type { GroupTable, LockPlan, TableTarget } from './table-target.js';

/** Rows per write statement; values past `BIG_VALUE` bytes go one per statement, as binary parameters. */
const WRITE_BATCH_ROWS = 1000;
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;
const BIG_VALUE = 256 * 1024;
/** Most bytes of keys and values a group writes in its one-round-trip commit (as hex text, twice that). */
const INLINE_BYTES = 64 * 1024;
/** Connection losses before COMMIT after which a group is retried on a fresh connection. */
const RECONNECTS = 1;
/** Times a group recreates a table (or schema) dropped under it. */
const RECREATES = 2;
/**
 * Most partition locks one transaction takes; beyond, it takes the domain's lock exclusively instead
 * (PostgreSQL's shared lock table has room for about 64 locks per connection).
 */
const MAX_PARTITION_LOCKS = 256;
/** Restarts for a lock taken out of order before a group takes the domain's lock exclusively. */
const LOCK_RESTARTS = 8;
/** `retry` verdicts one group may get: every lock restart, then the exclusive one, recreates, reconnects. */
export const GROUP_RETRIES = LOCK_RESTARTS + 1 + RECREATES + RECONNECTS;

/** Commit groups and physical commits made by this process (tests read it to see grouping). */
export const commitStats = { groups: 0, transactions: 0, fetches: 0, restarts: 0, exclusiveGroups: 0, inlineCommits: 0, upgrades: 0 };

/** The domain's exclusive lock: for a range across partitions, a guard write, or too many locks. */
const EXCLUSIVE: LockPlan = { exclusive: true, ids: [] };
const SHARED: LockPlan = { exclusive: false, ids: [] };

/** What a group carries from one attempt to the next after a `retry` verdict. */
interface Carry {
  readonly plan: LockPlan;
  readonly restarts: number;
  readonly recreates: number;
  readonly reconnects: number;
}

const FRESH: Carry = { plan: SHARED, restarts: 0, recreates: 0, reconnects: 0 };

/** Aborts an attempt: it needs locks it could not take in order; the next attempt takes `plan` first. */
class LockRestart {
  constructor(readonly plan: LockPlan) {}
}

/** One open group transaction: its connection, the locks it holds, the guard it read, its buffered writes. */
export interface PgTxn {
  readonly client: PooledClient;
  /** Whether it holds the domain's lock exclusively (from the start, or upgraded by `#upgrade`). */
  exclusive: boolean;
  /** Partition lock ids the transaction holds. */
  readonly held: Set<string>;
  /** Core's migration guard, read by the prelude under the domain lock. */
  readonly guard: Bytes | undefined;
  /** The group's writes by key identity (the last one of a key wins), flushed at commit. */
  readonly writes: Map<string, BufferedWrite>;
}

/**
 * The PostgreSQL side of group commit for one domain table (core's `CommitQueue` does the grouping
 * and the read-through replay). A group is one transaction holding the domain's advisory lock shared
 * and an exclusive lock on the partition (`key-locks.ts`) of every key or range it reads or writes,
 * taken in one global order: a lock that comes out of order is only tried, and when another
 * transaction holds it, the attempt ends with `LockRestart` and the next one (`repair`) takes every
 * lock up front, in order — after `LOCK_RESTARTS`, the domain's lock exclusively. Writers of different
 * partitions so commit in parallel, in any process on any host, and what a group read stays as it
 * read it until it commits. Writes are buffered and sent at commit: ≤ `INLINE_BYTES` together with
 * the remaining locks and COMMIT in one round trip.
 */
export class PgEngine implements TxEngine<GroupTable, PgTxn> {
  readonly sync = false;
  readonly readsOwnWrites = false;
  readonly #db: TableTarget;
  readonly #table: GroupTable;
  /** What the last attempt ended with (the queue runs one attempt at a time per engine). */
  #last: Carry = FRESH;
  /** Set by `repair` for the attempt that follows it; any other attempt starts a group afresh. */
  #carry: Carry | undefined;
  /** Errors COMMIT itself raised on a lost connection: their outcome is unknown, never retried. */
  readonly #unknown = new WeakSet<object>();

  constructor(db: TableTarget, table: GroupTable) {
    this.#db = db;
    this.#table = table;
  }

  async transaction(durability: Durability, body: (txn: PgTxn) => void | Promise<void>): Promise<void> {
    const carry = this.#carry ?? FRESH;
    this.#carry = undefined;
    this.#last = carry;
    const { plan } = carry;
    const result = await this.#db.transaction(this.#table.beginGroup(durability, plan), async (client, preluded, commitWith) => {
      const txn: PgTxn = { client, exclusive: plan.exclusive, held: new Set(plan.ids), guard: guardOf(preluded), writes: new Map() };
      await body(txn);
      if (txn.writes.size === 0) return;
      // Small writes whose locks can be waited for: locks, writes and COMMIT in one round trip.
      const inline = this.#inlineCommit(txn);
      if (inline !== undefined) {
        commitStats.inlineCommits++;
        await commitWith(inline);
        return;
      }
      await this.#lockWrites(txn);
      await this.#write(client, txn.writes);
    });
    if (result.ok) {
      if (plan.exclusive) commitStats.exclusiveGroups++;
      if (durability === 'fast') this.#db.noteFastCommit();
      return;
    }
    if (result.duringCommit && typeof result.error === 'object' && result.error !== null) this.#unknown.add(result.error);
    throw result.error;
  }

  /**
   * The key with its neighbours, after locking its partition (in the same round trip). When it is
   * absent, the gap between the neighbours is known empty — for the keys of its partition only,
   * whose lock keeps them from appearing; the prelude already read the migration guard.
   */
  async fetch(txn: PgTxn, _domain: GroupTable, key: Bytes): Promise<FetchedValue> {
    if (isGuardKey(key)) return { value: txn.guard };
    commitStats.fetches++;
    const sql = this.#table.sql;
    const partition = txn.exclusive ? undefined : partitionOf(key);
    const lock = partition === undefined ? undefined : this.#missingLock(txn, partition);
    const rows =
      lock === undefined
        ? ((await txn.client.query({ ...sql.getWithNeighbours(key), rowMode: 'array' })).rows as Array<[Bytes, Bytes | null]>)
        : await this.#lockedRead(txn, lock, sql.getWithNeighboursLiteral(key));
    let value: Bytes | undefined;
    let after: Bytes | undefined;
    let before: Bytes | undefined;
    for (const [k, v] of rows) {
      const order = compareKeys(k, key);
      if (order === 0) value = v ?? undefined;
      else if (order < 0) after = k;
      else before = k;
    }
    if (value !== undefined) return { value };
    if (partition === undefined) return { value, gap: { after, before } };
    const span = partitionSpan(partition);
    if (span === undefined) return { value };
    return {
      value,
      gap: {
        after: after === undefined || compareKeys(after, span.after) < 0 ? span.after : after,
        before: span.before === undefined || (before !== undefined && compareKeys(before, span.before) < 0) ? before : span.before,
      },
    };
  }

  /** A range inside one partition after locking it; a range across partitions restarts with the domain's lock exclusive. */
  async fetchRange(txn: PgTxn, _domain: GroupTable, range: ByteRange): Promise<Array<[Bytes, Bytes]>> {
    commitStats.fetches++;
    const sql = this.#table.sql;
    const bounds = toBounds(range);
    const reverse = range.reverse === true;
    const partition = txn.exclusive ? undefined : partitionOfRange(bounds);
    if (!txn.exclusive && partition === undefined) throw new LockRestart(EXCLUSIVE);
    const lock = partition === undefined ? undefined : this.#missingLock(txn, partition);
    const rows =
      lock === undefined
        ? (await txn.client.query({ ...sql.range(bounds, reverse, range.limit), rowMode: 'array' })).rows
        : await this.#lockedRead(txn, lock, sql.rangeLiteral(bounds, reverse, range.limit));
    return rows as Array<[Bytes, Bytes]>;
  }

  write(txn: PgTxn, _domain: GroupTable, writes: readonly BufferedWrite[]): void {
    for (const write of writes) txn.writes.set(byteId(write.key), write);
  }

  classify(error: unknown, _phase: EnginePhase): ErrorVerdict {
    if (error instanceof LockRestart) return 'retry';
    if (typeof error === 'object' && error !== null && this.#unknown.has(error)) return 'fail';
    if (isRetryable(error)) return 'busy';
    if (isMissingRelation(error) || isConnectionError(error)) return 'retry';
    return 'fail';
  }

  /** Sets up the next attempt: the lock plan a restart asked for, a recreated table, or a new connection (once). */
  async repair(error: unknown): Promise<void> {
    const last = this.#last;
    if (error instanceof LockRestart) {
      commitStats.restarts++;
      const restarts = last.restarts + 1;
      this.#carry = { ...last, restarts, plan: restarts > LOCK_RESTARTS ? EXCLUSIVE : error.plan };
      return;
    }
    if (isMissingRelation(error)) {
      if (last.recreates >= RECREATES) throw error;
      try {
        await this.#table.ensure(true);
      } catch (ensureError) {
        throw translateError(ensureError, `${this.#table.domain}: recreating the table`);
      }
      this.#carry = { ...last, recreates: last.recreates + 1 };
      return;
    }
    // Nothing was committed when the connection died before COMMIT: the pool hands out a new one.
    if (last.reconnects >= RECONNECTS) throw error;
    this.#carry = { ...last, reconnects: last.reconnects + 1 };
  }

  translate(error: unknown, _doing: string): unknown {
    const unknown = typeof error === 'object' && error !== null && this.#unknown.has(error);
    return translateError(error, `${this.#table.domain}: ${unknown ? 'commit (its outcome is unknown)' : 'transaction'}`);
  }

  /** The lock id of `partition` when the transaction does not hold it yet (a restart when it holds too many). */
  #missingLock(txn: PgTxn, partition: Partition): string | undefined {
    const id = this.#table.partitionLock(partition);
    if (txn.held.has(id)) return undefined;
    if (txn.held.size >= MAX_PARTITION_LOCKS) throw new LockRestart(EXCLUSIVE);
    return id;
  }

  /**
   * Takes lock `id` and runs `select` after it, in one round trip (a simple query of two statements:
   * the SELECT's snapshot is taken after the lock is granted). Waiting for a lock is safe only when it
   * comes after every lock held in the common order; otherwise it is only tried, and when another
   * transaction holds it, the attempt restarts taking all of them in order.
   */
  async #lockedRead(txn: PgTxn, id: string, select: string): Promise<Array<[Bytes, Bytes | null]>> {
    const wait = isAfterAll(id, txn.held);
    const lock = wait ? `SELECT pg_advisory_xact_lock(${id})` : `SELECT pg_try_advisory_xact_lock(${id}) AS ok`;
    const results = (await txn.client.query(`${lock}; ${select}`)) as Array<{ rows: Array<Record<string, unknown>> }>;
    if (!wait && results[0]?.rows[0]?.ok !== true) throw new LockRestart(planWith(txn, [id]));
    txn.held.add(id);
    return (results[1]?.rows ?? []).map((row) => [row.k as Bytes, (row.v as Bytes | null) ?? null]);
  }

  /**
   * The group's remaining locks, its writes and COMMIT as one simple query (values as hex literals),
   * or undefined when that does not fit: writes past `INLINE_BYTES`, a lock that must only be tried
   * (out of order), a guard write or too many locks — then `#lockWrites` and `#write` handle them.
   */
  #inlineCommit(txn: PgTxn): string | undefined {
    // The size first: a group too large to inline (a big putMany) hashes no lock id here.
    let bytes = 0;
    for (const { key, value } of txn.writes.values()) {
      bytes += key.byteLength + (value?.byteLength ?? 0);
      if (bytes > INLINE_BYTES) return undefined;
    }
    const puts: Array<[Bytes, Bytes]> = [];
    const dels: Bytes[] = [];
    const missing = new Set<string>();
    for (const { key, value } of txn.writes.values()) {
      if (!txn.exclusive) {
        if (isGuardKey(key)) return undefined;
        const id = this.#table.partitionLock(partitionOf(key));
        if (!txn.held.has(id)) missing.add(id);
      }
      if (value === undefined) dels.push(key);
      else puts.push([key, value]);
    }
    const ids = sortLockIds(missing);
    if (ids.length > 0 && (txn.held.size + ids.length > MAX_PARTITION_LOCKS || !isAfterAll(ids[0] as string, txn.held))) return undefined;
    return `${lockInOrder(ids)}${this.#table.sql.writeLiteral(puts, dels)}; COMMIT`;
  }

  /** Locks the partitions of the group's writes that its reads did not lock already. */
  async #lockWrites(txn: PgTxn): Promise<void> {
    if (txn.exclusive) return;
    const partitions = new Map<string, Partition>();
    for (const { key } of txn.writes.values()) {
      // Every transaction read the guard under the shared domain lock: writing it needs that lock exclusively.
      if (isGuardKey(key)) throw new LockRestart(EXCLUSIVE);
      // Counted only up to one past the most: beyond, the set is not needed.
      if (partitions.size > MAX_PARTITION_LOCKS) continue;
      const partition = partitionOf(key);
      partitions.set(partition.id, partition);
    }
    // More partitions than locks one transaction may take (a big putMany): the domain's lock instead,
    // decided before hashing a lock id (a sha256) per partition.
    if (partitions.size > MAX_PARTITION_LOCKS) return this.#upgrade(txn);
    const missing = new Set<string>();
    for (const partition of partitions.values()) {
      const id = this.#table.partitionLock(partition);
      if (!txn.held.has(id)) missing.add(id);
    }
    if (missing.size === 0) return;
    if (txn.held.size + missing.size > MAX_PARTITION_LOCKS) return this.#upgrade(txn);
    const ids = sortLockIds(missing);
    if (isAfterAll(ids[0] as string, txn.held)) {
      await txn.client.query(lockInOrder(ids));
    } else {
      const result = (await txn.client.query(`SELECT ${ids.map((id, i) => `pg_try_advisory_xact_lock(${id}) AS l${i}`).join(', ')}`)) as {
        rows: Array<Record<string, unknown>>;
      };
      const row = result.rows[0] ?? {};
      if (ids.some((_, i) => row[`l${i}`] !== true)) throw new LockRestart(planWith(txn, ids));
    }
    for (const id of ids) txn.held.add(id);
  }

  /**
   * Takes the domain's lock exclusively in this transaction, which holds it shared (PostgreSQL grants
   * it when no other transaction holds or waits for it): a group that needs it keeps what it did, where
   * a restart would roll back and begin again. Only tried, never waited for: two transactions waiting
   * to upgrade would each wait for the other's shared lock. When another holds it, the attempt
   * restarts holding it exclusively from the start, as before.
   */
  async #upgrade(txn: PgTxn): Promise<void> {
    const result = (await txn.client.query(`SELECT pg_try_advisory_xact_lock(${this.#table.lockId}) AS ok`)) as {
      rows: Array<Record<string, unknown>>;
    };
    if (result.rows[0]?.ok !== true) throw new LockRestart(EXCLUSIVE);
    txn.exclusive = true;
    commitStats.upgrades++;
  }

  /** Applies a group's writes: batched upserts and deletes, big values one per statement. */
  async #write(client: PooledClient, writes: Map<string, BufferedWrite>): Promise<void> {
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
}

/**
 * One statement taking the advisory locks `ids` one after the other in the order given (a function
 * scan of the array yields its elements in order), or nothing for none: a group's partition locks
 * were one statement each, most of the server's work in a group of small writes.
 */
export function lockInOrder(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  if (ids.length === 1) return `SELECT pg_advisory_xact_lock(${ids[0]}); `;
  return `SELECT pg_advisory_xact_lock(id) FROM unnest(ARRAY[${ids.join(', ')}]::bigint[]) AS id; `;
}

/** The guard's value from the prelude's results (the last statement's row, if any). */
function guardOf(preluded: unknown): Bytes | undefined {
  const results = Array.isArray(preluded) ? preluded : [preluded];
  const last = results.at(-1) as { rows?: Array<{ v?: Bytes }> } | undefined;
  return last?.rows?.[0]?.v ?? undefined;
}

/** A plan taking every lock `txn` holds and `more`, in order. */
function planWith(txn: PgTxn, more: readonly string[]): LockPlan {
  const ids = sortLockIds(new Set([...txn.held, ...more]));
  return ids.length > MAX_PARTITION_LOCKS ? EXCLUSIVE : { exclusive: false, ids };
}
