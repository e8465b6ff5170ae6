import {
  type BufferedWrite,
  type ByteRange,
  type Bytes,
  compareBytes,
  type ErrorVerdict,
  type FetchedValue,
  type TxEngine,
  WriteLog,
} from '@agentstore/core';
import type { Connection } from './connection.js';
import { Conflict } from './errors.js';

/** The three keys that hold one domain (see `scripts.ts`). */
export interface DomainKeys {
  readonly z: string;
  readonly h: string;
  readonly v: string;
}

/** One optimistic transaction: the domain version its reads saw, and the writes it will commit. */
export interface RedisTxn {
  version: string | undefined;
  readonly writes: WriteLog;
}

/**
 * Group commit on Redis, optimistically: reads are fetched with the domain's version, and the commit
 * script applies the group's writes only if the version is still the one read (else `Conflict`, and
 * the queue runs the group again after a short random pause). Every commit bumps the version, so a
 * transaction never commits on data another process changed after it read. A read that sees a newer
 * version than an earlier read of the same attempt stops the attempt at once: a function never runs
 * on a mix of two states.
 */
export class RedisEngine implements TxEngine<DomainKeys, RedisTxn> {
  readonly sync = false;
  readonly readsOwnWrites = false;
  readonly #conn: Connection;
  readonly #keys: DomainKeys;
  #conflicts = 0;

  /** An engine for one domain (its commit queue's every job is on `keys`). */
  constructor(conn: Connection, keys: DomainKeys) {
    this.#conn = conn;
    this.#keys = keys;
  }

  async transaction(_durability: unknown, body: (txn: RedisTxn) => void | Promise<void>): Promise<void> {
    const txn: RedisTxn = { version: undefined, writes: new WriteLog() };
    await body(txn);
    if (txn.writes.size === 0) return; // reads alone, all of one version: nothing to commit
    const puts: Buffer[] = [];
    const dels: Buffer[] = [];
    for (const write of txn.writes.latest().values()) {
      if (write.value === undefined) dels.push(buf(write.key));
      else puts.push(buf(write.key), buf(write.value));
    }
    const keys = this.#keys;
    const done = await this.#conn.client.asCommitBuffer(keys.z, keys.h, keys.v, txn.version ?? '', puts.length / 2, ...puts, ...dels);
    if (done !== 1) throw new Conflict();
    this.#conflicts = 0;
  }

  async fetch(txn: RedisTxn, d: DomainKeys, key: Bytes): Promise<FetchedValue> {
    const [version, value, after, before] = (await this.#conn.client.asGetBuffer(d.z, d.h, d.v, buf(key))) as Array<Buffer | null>;
    this.#seen(txn, version);
    if (value) return { value };
    return { value: undefined, gap: { after: after ?? undefined, before: before ?? undefined } };
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

  async repair(): Promise<void> {
    // Back off a little more on each conflict in a row, at random, so contending processes spread out.
    const ceiling = Math.min(50, 2 ** Math.min(++this.#conflicts, 6));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }

  translate(error: unknown, doing: string): unknown {
    return this.#conn.translate(error, doing);
  }

  #seen(txn: RedisTxn, version: Buffer | null | undefined): void {
    const read = version?.toString('latin1') ?? '0';
    if (txn.version === undefined) txn.version = read;
    else if (txn.version !== read) throw new Conflict();
  }
}

/** The bytes as a Buffer without copying (the client sends any other Uint8Array as text). */
export function buf(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A `ByteRange` as ZRANGE BYLEX start and stop (swapped when descending), the tighter bound where two are given. */
export function lexBounds(range: ByteRange): [Buffer | string, Buffer | string] {
  const low = tighter(range.gt, range.gte, 1);
  const high = tighter(range.lt, range.lte, -1);
  const min = low === undefined ? '-' : Buffer.concat([Buffer.from(low.open ? '(' : '['), low.key]);
  const max = high === undefined ? '+' : Buffer.concat([Buffer.from(high.open ? '(' : '['), high.key]);
  return range.reverse === true ? [max, min] : [min, max];
}

function tighter(open: Bytes | undefined, closed: Bytes | undefined, sign: number): { key: Bytes; open: boolean } | undefined {
  if (open === undefined) return closed === undefined ? undefined : { key: closed, open: false };
  if (closed === undefined || sign * compareBytes(open, closed) >= 0) return { key: open, open: true };
  return { key: closed, open: false };
}

/** One atomic read of `range` (honouring `limit` and `reverse`) with the domain version it saw. */
export async function readRange(
  conn: Connection,
  d: DomainKeys,
  range: ByteRange,
): Promise<{ version: Buffer; entries: Array<[Bytes, Bytes]> }> {
  const [start, stop] = lexBounds(range);
  const reply = (await conn.client.asRangeBuffer(d.z, d.h, d.v, start, stop, range.reverse ? '1' : '0', range.limit ?? -1)) as Buffer[];
  const entries: Array<[Bytes, Bytes]> = [];
  // A key without a value cannot happen (both change in one script); skip it rather than return a hole.
  for (let i = 1; i + 1 < reply.length; i += 2) if (reply[i + 1]) entries.push([reply[i] as Buffer, reply[i + 1] as Buffer]);
  return { version: reply[0] as Buffer, entries };
}
