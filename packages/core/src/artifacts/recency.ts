/** Longest time a recorded use waits in memory before it is written, in ms. */
export const RECENCY_FLUSH_MS = 1000;
/** Distinct keys whose uses are written at once when this many wait. */
export const RECENCY_FLUSH_KEYS = 128;

/** One recorded use of a key: the blob it read and when. */
export interface Use {
  readonly key: string;
  readonly blob: number;
  readonly at: number;
  /** Order among the uses of the buffer (later uses have larger numbers). */
  readonly seq: number;
}

/** A pending use, updated in place when its key is used again. */
interface Slot {
  readonly key: string;
  blob: number;
  at: number;
  seq: number;
}

/**
 * The uses (`get` hits) of one artifacts domain recorded in this process and not yet written to its
 * LRU index. A hit only records here; the uses are written, in the order they happened, by the next
 * write transaction of the domain (so an eviction decision always sees them), by `flush()` (every
 * RECENCY_FLUSH_MS, when RECENCY_FLUSH_KEYS keys wait, and on `sync()` / `close()`) and before `lru()`.
 * A crash loses the uses of the window, never data.
 *
 * A key used again while its use is pending updates that use in place (a newer sequence number puts
 * it last): a hit allocates nothing then. Objects made per hit and kept until the flush survive young
 * collections, and a heap where most of what survives is fresh makes V8 promote the 1 MiB blobs the
 * hits return as well, so that only full collections free their memory (measured: 2x the collections
 * and half the hits per second on 1 MiB gets).
 */
export class RecencyBuffer {
  /** Pending uses by key; `take()` orders them by `seq`. */
  readonly #uses = new Map<string, Slot>();
  /** Writes pending uses (an empty write transaction of the domain, which applies them). */
  readonly #write: () => Promise<void>;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #stopped = false;

  constructor(write: () => Promise<void>) {
    this.#write = write;
  }

  /** Records a use of `key` (its blob `blob`) now. */
  record(key: string, blob: number): void {
    const slot = this.#uses.get(key);
    if (slot !== undefined) {
      slot.blob = blob;
      slot.at = Date.now();
      slot.seq = ++this.#seq;
      return;
    }
    this.#uses.set(key, { key, blob, at: Date.now(), seq: ++this.#seq });
    if (this.#uses.size >= RECENCY_FLUSH_KEYS) this.#background();
    else this.#schedule();
  }

  /** The pending use of `key`, if any (a copy: the pending one changes with later hits). */
  pending(key: string): Use | undefined {
    const slot = this.#uses.get(key);
    return slot === undefined ? undefined : { key, blob: slot.blob, at: slot.at, seq: slot.seq };
  }

  /** The pending uses, oldest first (copies, for a transaction to apply). */
  take(): Use[] {
    const uses: Use[] = [];
    for (const slot of this.#uses.values()) uses.push({ key: slot.key, blob: slot.blob, at: slot.at, seq: slot.seq });
    return uses.sort((a, b) => a.seq - b.seq);
  }

  /** Forgets uses a committed transaction applied (a use recorded again since then stays). */
  settle(applied: readonly Use[]): void {
    for (const u of applied) if (this.#uses.get(u.key)?.seq === u.seq) this.#uses.delete(u.key);
  }

  /**
   * Writes every pending use now. Never fails: recency is a hint, so uses that cannot be written (the
   * domain moved, was dropped, or the write failed) are dropped rather than failing `sync()`/`close()`.
   */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#uses.size === 0) return;
    this.#flushing = this.#write().catch(() => this.#uses.clear());
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer (the store is closing and flushes explicitly, or the domain was closed). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#background();
    }, RECENCY_FLUSH_MS);
    this.#timer.unref();
  }

  /** A flush nobody awaits (it never fails). */
  #background(): void {
    if (this.#stopped) return;
    if (this.#flushing) this.#schedule();
    else void this.flush();
  }
}
