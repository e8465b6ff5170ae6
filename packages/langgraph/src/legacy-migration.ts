import type { DomainStore, Key } from '@agentstore/core';
import { LEGACY_TAGS, legacyTagRange, migratedKey, migratedWriteKey } from './legacy-layout.js';
import { deletePrefix, PAGE } from './paging.js';

/**
 * Moves what a version before the thread-first layout wrote into the new keys, once, before the
 * saver's first operation. A thread moves as a unit: its channel values, writes and index first, its
 * records last (a moved record is complete the moment it is visible), then the old keys go in the
 * opposite order. Copies are of bytes under deterministic keys, so a migration cut short by a crash
 * is simply redone by the next one. Processes still running the old version must be stopped first.
 */
export class LegacyMigration {
  readonly #checkpoints: DomainStore<Uint8Array>;
  readonly #writes: DomainStore<Uint8Array>;
  #done: Promise<void> | undefined;

  /** Both handles use the raw codec: entries move as the bytes they are. */
  constructor(checkpoints: DomainStore<Uint8Array>, writes: DomainStore<Uint8Array>) {
    this.#checkpoints = checkpoints;
    this.#writes = writes;
  }

  /** Resolves once no old key is left (the first call migrates; later calls share its promise). */
  ensure(): Promise<void> {
    if (this.#done === undefined) {
      this.#done = this.#run();
      // A failed migration is retried by the next operation instead of failing every later one.
      this.#done.catch(() => {
        this.#done = undefined;
      });
    }
    return this.#done;
  }

  async #run(): Promise<void> {
    for (;;) {
      const thread = await this.#nextThread();
      if (thread === undefined) return;
      await this.migrateThread(thread);
    }
  }

  /** Some thread that still has old keys. */
  async #nextThread(): Promise<string | undefined> {
    for (const tag of LEGACY_TAGS)
      for await (const key of this.#checkpoints.keys({ ...legacyTagRange(tag), limit: 1 })) return (key as string[])[1];
    for await (const key of this.#writes.keys({ limit: 1 })) return (key as string[])[0];
    return undefined;
  }

  /** Moves every old key of `thread` to its new key. */
  async migrateThread(thread: string): Promise<void> {
    await copy(this.#checkpoints, this.#checkpoints, legacyTagRange('v', thread), migratedKey);
    await copy(this.#writes, this.#checkpoints, { prefix: [thread] }, migratedWriteKey);
    await copy(this.#checkpoints, this.#checkpoints, legacyTagRange('t', thread), migratedKey);
    await copy(this.#checkpoints, this.#checkpoints, legacyTagRange('c', thread), migratedKey);
    await deletePrefix(this.#checkpoints, ['c', thread]);
    await deletePrefix(this.#checkpoints, ['t', thread]);
    await deletePrefix(this.#writes, [thread]);
    await deletePrefix(this.#checkpoints, ['v', thread]);
  }
}

/** Copies every entry of `range` in `from` to `rename(key)` in `to`, a page per transaction. */
async function copy(
  from: DomainStore<Uint8Array>,
  to: DomainStore<Uint8Array>,
  range: { prefix: Key } | { gte: Key; lt: Key },
  rename: (key: Key) => Key,
): Promise<void> {
  let lower: Key | undefined;
  for (;;) {
    const page: Array<readonly [Key, Uint8Array]> = [];
    for await (const [key, value] of from.entries({ ...range, ...(lower === undefined ? {} : { gt: lower }), limit: PAGE }))
      page.push([key, value]);
    const last = page[page.length - 1];
    if (last === undefined) return;
    await to.putMany(page.map(([key, value]) => [rename(key), value] as const));
    if (page.length < PAGE) return;
    lower = last[0];
  }
}
