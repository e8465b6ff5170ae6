import type {
  ByteRange,
  Bytes,
  CounterUpdate,
  DomainBackend,
  Durability,
  TransactOptions,
  Tx,
  WriteBehind,
  WriteGuard,
} from '@agentstore/core/spi';
import { applyCounterUpdate, CommitQueue, keyId } from '@agentstore/core/spi';
import type { Connection } from './connection.js';
import { RedisEngine, type RedisTxn } from './engine.js';
import { buf, type DomainKeys, lexBounds, readRange } from './reads.js';

/** Entries per round trip when streaming a range. */
const PAGE = 1024;
/** Group retries after conflicts (each one means another process committed: the system progresses). */
const RETRIES = 10_000;

/** One domain on Redis: reads go straight to the server, writes through the commit queue. */
export class RedisBackend implements DomainBackend {
  readonly #conn: Connection;
  readonly #keys: DomainKeys;
  readonly #durability: Durability;
  readonly queue: CommitQueue<DomainKeys, RedisTxn>;
  /** Counter bytes this process last read or wrote, by key (null: absent); see `updateCounters`. */
  readonly #counters = new Map<string, Buffer | null>();

  readonly #behind: WriteBehind | undefined;

  /** `behind`: a `fast` domain's write-behind window (SPEC §9.2), used for blind transactions. */
  constructor(conn: Connection, keys: DomainKeys, durability: Durability, behind?: WriteBehind) {
    this.#conn = conn;
    this.#keys = keys;
    this.#durability = durability;
    this.#behind = behind;
    this.queue = new CommitQueue(new RedisEngine(conn, keys), { retries: RETRIES });
  }

  get(key: Bytes): Promise<Bytes | undefined> {
    return this.#conn.call('get', async (c) => (await c.hgetBuffer(this.#keys.h, buf(key))) ?? undefined);
  }

  getMany(keys: readonly Bytes[]): Promise<Array<Bytes | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.#conn.call('getMany', async (c) => (await c.hmgetBuffer(this.#keys.h, ...keys.map(buf))).map((v) => v ?? undefined));
  }

  async *range(range: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    let left = range.limit ?? Number.POSITIVE_INFINITY;
    let page: ByteRange = range;
    while (left > 0) {
      const want = Math.min(PAGE, left);
      const { entries } = await this.#conn.call('range', () => readRange(this.#conn, this.#keys, { ...page, limit: want }));
      yield* entries;
      left -= entries.length;
      const last = entries.at(-1);
      if (entries.length < want || last === undefined) return;
      // Each page is one atomic read; the next starts after the last key seen.
      page = range.reverse === true ? { ...page, lt: last[0], lte: undefined } : { ...page, gt: last[0], gte: undefined };
    }
  }

  async count(range: ByteRange): Promise<number> {
    const [min, max] = lexBounds({ ...range, reverse: false });
    const n = await this.#conn.call('count', (c) => c.zlexcount(this.#keys.z, min, max));
    return Math.min(n, range.limit ?? n);
  }

  transact<T>(fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    return this.queue.transact(this.#keys, this.#durability, fn, { behind: options?.blind === true ? this.#behind : undefined });
  }

  /** Commits what the queue holds (write-behind batches included); rejects when a batch was lost. */
  async flush(): Promise<void> {
    await this.queue.flush();
    if (this.queue.lost !== undefined) throw this.queue.lost;
  }

  /**
   * Compare-and-set on the counters' own keys: unlike `transact`, writes to other keys never make it
   * retry. It starts from the bytes this process last saw (one round trip when no other process
   * updated them); a changed key comes back with its current bytes and the update runs again.
   */
  updateCounters(updates: readonly CounterUpdate[], guard?: WriteGuard): Promise<Bytes[]> {
    return this.queue.exclusive(async () => {
      const { h, z, v } = this.#keys;
      const keys = [...new Map(updates.map((u) => [keyId(u.key), buf(u.key)])).values()];
      const seen = this.#counters;
      const fetch = () => this.#conn.call('reading counters', (c) => c.hmgetBuffer(h, ...keys));
      let remembered = keys.every((key) => seen.has(keyId(key)));
      let read = remembered ? keys.map((key) => seen.get(keyId(key)) as Buffer | null) : await fetch();
      for (;;) {
        const current = new Map<string, Bytes | undefined>(keys.map((key, i) => [keyId(key), read[i] ?? undefined]));
        let results: Bytes[];
        try {
          results = updates.map((u) => {
            const next = applyCounterUpdate(current.get(keyId(u.key)), u);
            current.set(keyId(u.key), next);
            return next;
          });
        } catch (error) {
          // Refused on remembered bytes (not a counter, out of range): decide on the server's instead.
          if (!remembered) throw error;
          [remembered, read] = [false, await fetch()];
          continue;
        }
        const writes = keys.map((key) => buf(current.get(keyId(key)) as Bytes));
        const args = keys.flatMap((key, i) => [key, read[i] ? '1' : '0', read[i] ?? '', writes[i] as Buffer]);
        const reply = (await this.#conn.client.asCountersBuffer(z, h, v, guard ? buf(guard.key) : '', ...args)) as Array<
          Buffer | number | null
        >;
        if (reply[0] === 2 && guard) throw guard.refuse(reply[1] as Buffer);
        if (seen.size > 4096) seen.clear();
        const known = reply[0] === 1 ? writes : (reply.slice(1) as Array<Buffer | null>);
        for (const [i, key] of keys.entries()) seen.set(keyId(key), known[i] ?? null);
        if (reply[0] === 1) return results;
        [remembered, read] = [false, known];
      }
    });
  }

  clear(guard?: WriteGuard): Promise<void> {
    return this.queue.exclusive(async () => {
      const { z, h, v } = this.#keys;
      const held = await this.#conn.client.asClearBuffer(z, h, v, guard ? buf(guard.key) : '');
      if (held instanceof Buffer && guard) throw guard.refuse(held);
    });
  }
}
