import { type BufferedWrite, type Bytes, compareBytes, type FetchedValue, keyId } from '@agentstore/core/spi';

/** Entries remembered at most; past it the memory starts afresh. */
const MAX_ENTRIES = 1024;

/**
 * What this process last knew of one domain: a version and what transactions read or wrote at it.
 * Transactions read from it without a round trip; the commit script (or, for a group that writes
 * nothing, a version read) then proves it was current, and a stale one costs one retry. So a write
 * whose reads are known (core's guard and kind records, keys written by this process) is one round
 * trip when no other process writes the domain.
 */
export class KnownState {
  #version: string | undefined;
  readonly #values = new Map<string, FetchedValue>();

  /** The version the remembered reads belong to. */
  get version(): string | undefined {
    return this.#version;
  }

  /** The remembered read of `key` at `version`, if any. */
  lookup(version: string | undefined, key: Bytes): FetchedValue | undefined {
    return version === undefined || version === this.#version ? this.#values.get(keyId(key)) : undefined;
  }

  /** Remembers a read made at `version` (forgetting everything of another version). */
  learn(version: string, key: Bytes, fetched: FetchedValue): void {
    if (version !== this.#version || this.#values.size >= MAX_ENTRIES) this.#reset(version);
    this.#values.set(keyId(key), fetched);
  }

  /** After a commit from `from` to `to`: the writes applied; gaps a new key fell into are forgotten. */
  committed(from: string | undefined, to: string, writes: readonly BufferedWrite[]): undefined {
    const continues = from !== undefined && from === this.#version;
    if (!continues) return this.#reset(to);
    this.#version = to;
    const puts = writes.filter((write) => write.value !== undefined).map((write) => write.key);
    for (const [id, known] of this.#values) {
      const gap = known.gap;
      if (gap === undefined) continue;
      const hit =
        puts.length > 32 ||
        puts.some((key) => (!gap.after || compareBytes(gap.after, key) < 0) && (!gap.before || compareBytes(key, gap.before) < 0));
      if (hit) this.#values.set(id, { value: known.value });
    }
    for (const write of writes) this.#values.set(keyId(write.key), { value: write.value });
  }

  /** Forgets everything (another process changed the domain). */
  forget(): void {
    this.#reset(undefined);
  }

  #reset(version: string | undefined): undefined {
    this.#version = version;
    this.#values.clear();
  }
}
