import type { BufferedWrite, ByteRange, Bytes, ErrorVerdict, FetchedValue, TxEngine } from '@agentstore/core/spi';
import { WriteLog } from '@agentstore/core/spi';
import type { Connection } from './connection.js';
import { Conflict } from './errors.js';
import { KnownState } from './known-state.js';
import { buf, type DomainKeys, readRange } from './reads.js';

/** One optimistic transaction: the domain version its reads saw, and the writes it will commit. */
export interface RedisTxn {
  version: string | undefined;
  /** Whether a read came from what this process knew rather than from the server. */
  remembered: boolean;
  readonly writes: WriteLog;
}

/**
 * Group commit on Redis, optimistically: reads carry the domain's version, and the commit script
 * applies the group's writes only if the version is still the one read (else `Conflict`, and the queue
 * runs the group again after a short random pause). Every commit bumps the version, so a transaction
 * never commits on data another process changed after it read, and a function never runs on a mix of
 * two versions (a read of another version stops the attempt). Reads this process already made at the
 * current version are answered from `KnownState` (proved current at commit).
 */
export class RedisEngine implements TxEngine<DomainKeys, RedisTxn> {
  readonly sync = false;
  readonly readsOwnWrites = false;
  readonly #conn: Connection;
  readonly #keys: DomainKeys;
  readonly #known = new KnownState();
  #conflicts = 0;
  /** Until when remembered reads are not used: another process writes this domain too. */
  #busyUntil = 0;

  /** An engine for one domain (its commit queue's every job is on `keys`). */
  constructor(conn: Connection, keys: DomainKeys) {
    this.#conn = conn;
    this.#keys = keys;
  }

  async transaction(_durability: unknown, body: (txn: RedisTxn) => void | Promise<void>): Promise<void> {
    const txn: RedisTxn = { version: undefined, remembered: false, writes: new WriteLog() };
    await body(txn);
    const { z, h, v } = this.#keys;
    if (txn.writes.size === 0) {
      // Nothing to commit; reads from memory must still be current, or a function decided on old data.
      if (txn.remembered && ((await this.#conn.client.get(v)) ?? '0') !== txn.version) throw this.#conflict(txn);
      return;
    }
    const writes = [...txn.writes.latest().values()];
    const puts: Buffer[] = [];
    const dels: Buffer[] = [];
    for (const write of writes) {
      if (write.value === undefined) dels.push(buf(write.key));
      else puts.push(buf(write.key), buf(write.value));
    }
    const version = await this.#conn.client.asCommitBuffer(z, h, v, txn.version ?? '', puts.length / 2, ...puts, ...dels);
    if (version === 0) throw this.#conflict(txn);
    this.#known.committed(txn.version, String(version), writes);
    this.#conflicts = 0;
  }

  async fetch(txn: RedisTxn, d: DomainKeys, key: Bytes): Promise<FetchedValue> {
    const remembered = Date.now() < this.#busyUntil ? undefined : this.#known.lookup(txn.version, key);
    if (remembered !== undefined) {
      txn.version = this.#known.version;
      txn.remembered = true;
      return remembered;
    }
    const [version, value, after, before] = (await this.#conn.client.asGetBuffer(d.z, d.h, d.v, buf(key))) as Array<Buffer | null>;
    const read = this.#seen(txn, version);
    const fetched: FetchedValue = value ? { value } : { value: undefined, gap: { after: after ?? undefined, before: before ?? undefined } };
    this.#known.learn(read, key, fetched);
    return fetched;
  }

  async fetchRange(txn: RedisTxn, d: DomainKeys, range: ByteRange): Promise<Array<[Bytes, Bytes]>> {
    const { version, entries } = await readRange(this.#conn, d, range);
    this.#seen(txn, version);
    return entries;
  }

  write(txn: RedisTxn, _d: DomainKeys, writes: readonly BufferedWrite[]): void {
    for (const write of writes) txn.writes.add(write);
  }

  classify(error: unknown): ErrorVerdict {
    // Anything else fails the group: a lost connection surfaces as IO (a commit's outcome is then unknown).
    return error instanceof Conflict ? 'retry' : 'fail';
  }

  async repair(error: unknown): Promise<void> {
    if (error instanceof Conflict && error.remembered) return; // memory was stale: read afresh at once
    // Back off a little more on each conflict in a row, at random, so contending processes spread out.
    const ceiling = Math.min(50, 2 ** Math.min(this.#conflicts, 6));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }

  translate(error: unknown, doing: string): unknown {
    return this.#conn.translate(error, doing);
  }

  /** Checks a read's version against the attempt's; returns it. */
  #seen(txn: RedisTxn, version: Buffer | null | undefined): string {
    const read = version?.toString('latin1') ?? '0';
    txn.version ??= read;
    if (txn.version !== read) throw this.#conflict(txn);
    return read;
  }

  #conflict(txn: RedisTxn): Conflict {
    this.#known.forget();
    if (txn.remembered) this.#busyUntil = Date.now() + 1000;
    else this.#conflicts++;
    return new Conflict(txn.remembered);
  }
}
