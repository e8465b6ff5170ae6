import { type DomainStore, defaultCodec, type Key } from '@agentstore/core';
import { afterPrefix, EXPIRY, expiryKey } from './layout.js';
import type { ResolvedTtl } from './options.js';

/**
 * Thread expiry for `AgentstoreSaver`'s `ttl` option. Each `put` stores the thread's expiry instant
 * (`[thread, 0]`, the first key of the thread) in its own commit; a thread whose instant has passed
 * is invisible to every read at once, and a later `put` starts it afresh. `sweep` walks the threads in
 * key order from where the last sweep stopped, a bounded number per call, and deletes expired ones.
 * Keys stay thread-first: there is no cross-thread expiry index to shard or to write on every `put`.
 */
export class ThreadTtl {
  readonly #kv: DomainStore<unknown>;
  readonly #bytes: DomainStore<Uint8Array>;
  readonly #ttl: ResolvedTtl;
  readonly #clock: () => number;
  readonly #deleteThread: (thread: string) => Promise<void>;
  /** The last thread the previous sweep visited; undefined: start from the first thread. */
  #cursor: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(
    kv: DomainStore<unknown>,
    bytes: DomainStore<Uint8Array>,
    ttl: ResolvedTtl,
    clock: () => number,
    deleteThread: (thread: string) => Promise<void>,
  ) {
    this.#kv = kv;
    this.#bytes = bytes;
    this.#ttl = ttl;
    this.#clock = clock;
    this.#deleteThread = deleteThread;
  }

  /** The expiry instant of `thread` (epoch ms), or undefined when it has none (written without a TTL). */
  async expiresAt(thread: string): Promise<number | undefined> {
    const at = await this.#kv.get(expiryKey(thread));
    return typeof at === 'number' ? at : undefined;
  }

  /** Whether an expiry instant has passed by this saver's clock. */
  expired(at: number | undefined): boolean {
    return at !== undefined && at <= this.#clock();
  }

  /** The expiry instant a `put` writes with its checkpoint: the thread lives for a TTL from now. */
  expiry(): number {
    return this.#clock() + this.#ttl.ttlMs;
  }

  /** `expiry()` as the entry of a raw-codec handle. */
  entry(thread: string): readonly [Key, Uint8Array] {
    return [expiryKey(thread), defaultCodec.encode(this.expiry())];
  }

  /**
   * After a read of a live thread: with `refreshOnRead`, pushes its expiry to now plus the TTL. A
   * refresh worth less than 1 % of the TTL is skipped, so a hot thread is not a write per read.
   */
  async touched(thread: string, at: number | undefined): Promise<void> {
    if (!this.#ttl.refreshOnRead || at === undefined) return;
    const next = this.#clock() + this.#ttl.ttlMs;
    if (next - at < this.#ttl.ttlMs / 100) return;
    await this.#bytes.put(expiryKey(thread), defaultCodec.encode(next));
  }

  /**
   * Visits up to `limit` threads after the previous sweep's last one (wrapping around at the end) and
   * deletes those that expired, with every checkpoint, write and value. Returns how many it deleted.
   * Concurrent calls share one sweep.
   */
  sweep(limit = this.#ttl.sweepLimit): Promise<number> {
    if (this.#sweeping === undefined) {
      this.#sweeping = this.#sweep(limit).finally(() => {
        this.#sweeping = undefined;
      });
    }
    return this.#sweeping;
  }

  async #sweep(limit: number): Promise<number> {
    let deleted = 0;
    for (let visited = 0; visited < limit; visited++) {
      let next: [Key, unknown] | undefined;
      const from = this.#cursor === undefined ? {} : { gte: afterPrefix([this.#cursor]) };
      for await (const entry of this.#kv.entries({ ...from, limit: 1 })) next = entry;
      if (next === undefined) {
        this.#cursor = undefined;
        break;
      }
      const [key, value] = next as [Array<string | number>, unknown];
      const thread = key[0];
      if (typeof thread !== 'string') break;
      this.#cursor = thread;
      // The expiry is the thread's first key; read it again right before deleting (a put may have renewed it).
      if (key.length !== 2 || key[1] !== EXPIRY || !this.expired(value as number)) continue;
      if (!this.expired(await this.expiresAt(thread))) continue;
      await this.#deleteThread(thread);
      deleted++;
    }
    return deleted;
  }

  /** Starts the periodic sweep, when the options ask for one. */
  start(onError: (err: unknown) => void): void {
    const every = this.#ttl.sweepIntervalMs;
    if (every === undefined || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.sweep().catch(onError);
    }, every);
    // A sweep never keeps the process alive on its own.
    this.#timer.unref?.();
  }

  /** Stops the periodic sweep and waits for a running one. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => {});
  }
}
