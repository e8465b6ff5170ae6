import { type DomainStore, isStoreError, type Key } from '@agentstore/core';
import {
  dueExpiries,
  expiryKey,
  expiryOf,
  type ItemRecord,
  isLive,
  parseExpiryKey,
  type RefreshRecord,
  refreshKey,
} from './store-records.js';
import { deleteVectors, type ItemVectors } from './vector-search.js';
import type { WriteLock } from './write-lock.js';

/** Expiry index entries one sweep step handles (one read, one write transaction). */
export const SWEEP_STEP = 256;

/** What one sweep step did. */
export interface SweepStep {
  /** Items deleted. */
  readonly removed: number;
  /** Whether due entries may remain (the step was full). */
  readonly more: boolean;
}

/**
 * One bounded step of the sweep: reads up to `SWEEP_STEP` due expiry index entries and, under the
 * write lock, deletes the items that are still expired (with their refresh records), moves the
 * entries of refreshed items to their new expiry and drops entries of items replaced or deleted since.
 * The expired items' vectors go before that commit: a crash in between leaves expired (invisible)
 * items without vectors, which the next sweep finds by their expiry entries; the other order left
 * vectors that no item and no expiry entry named, which only a search happening to meet them removed.
 */
export async function sweepStep(
  kv: DomainStore<unknown>,
  vectors: ItemVectors | undefined,
  lock: WriteLock,
  now: number,
): Promise<SweepStep> {
  const due: Array<[Key, unknown]> = [];
  for await (const entry of kv.entries({ ...dueExpiries(now), limit: SWEEP_STEP })) due.push(entry);
  if (due.length === 0) return { removed: 0, more: false };
  const stale: Key[] = [];
  const relocated: Array<[Key, unknown]> = [];
  const gone: ItemRecord[] = [];
  const goneKeys: Key[] = [];
  await lock.run(async () => {
    const items = due.map(([key]) => parseExpiryKey(key).item);
    const read = await kv.getMany(items.flatMap((item) => [item, refreshKey(item)]));
    due.forEach(([key, stamp], i) => {
      const item = items[i] as Key;
      const record = read[2 * i] as ItemRecord | undefined;
      const refresh = read[2 * i + 1] as RefreshRecord | undefined;
      stale.push(key);
      if (record === undefined || record.stamp !== stamp) return;
      if (isLive(record, refresh, now)) {
        relocated.push([expiryKey(expiryOf(record, refresh) as number, item), stamp]);
        return;
      }
      stale.push(item, refreshKey(item));
      gone.push(record);
      goneKeys.push(item);
    });
    if (relocated.length > 0) await kv.putMany(relocated);
    // An expired item stays expired (a read refreshes only live ones), and a put replacing it writes
    // vectors under a new stamp: deleting this version's vectors first takes nothing visible.
    if (vectors !== undefined)
      await deleteVectors(
        vectors,
        gone.map((record, i) => ({ key: goneKeys[i] as Key, record })),
      );
    await kv.deleteMany(stale);
  });
  return { removed: gone.length, more: due.length === SWEEP_STEP };
}

/** Runs the sweep every `intervalMs` until stopped; a step at a time, so `stop()` never waits long. */
export class TtlSweeper {
  readonly #step: () => Promise<SweepStep>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(step: () => Promise<SweepStep>, intervalMs: number) {
    this.#step = step;
    this.#intervalMs = intervalMs;
  }

  /** Starts the timer (it does not keep the process alive); idempotent. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.#sweep().finally(() => {
        this.#running = undefined;
      });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a running step to end. */
  async stop(): Promise<void> {
    this.#halt();
    await this.#running;
  }

  #halt(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #sweep(): Promise<void> {
    try {
      while (!this.#stopped && (await this.#step()).more) {
        // Next step at once: a backlog drains step by step, each step its own transaction.
      }
    } catch (err) {
      // A closed store ends the sweeper; any other failure is retried at the next interval.
      if (isStoreError(err, 'CLOSED')) this.#halt();
    }
  }
}
