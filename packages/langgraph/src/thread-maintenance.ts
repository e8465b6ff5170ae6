import { type DomainStore, type Key, StoreError } from '@agentstore/core';
import { type ChannelVersions, compareChannelVersions } from '@langchain/langgraph-checkpoint';
import {
  afterPrefix,
  CHECKPOINT,
  type CheckpointRecord,
  checkpointKey,
  checkpointPrefix,
  isRecordKey,
  threadPrefix,
  timeKey,
  timePrefix,
  type Version,
  valuesPrefix,
} from './layout.js';
import { ascendingKeys, deletePrefix, descending, PAGE } from './paging.js';
import type { ThreadHeads } from './thread-heads.js';

/** Reads a checkpoint's channel versions from its record (the saver's serde may have written it). */
export type VersionsOf = (record: CheckpointRecord) => Promise<ChannelVersions>;

/** The saver's domains as maintenance uses them: records decoded, and raw handles that move bytes as they are. */
export interface MaintainedDomains {
  /** The checkpoints domain with agentstore's default codec (records decode to objects). */
  readonly checkpoints: DomainStore<unknown>;
  /** The checkpoints domain with the raw codec. */
  readonly checkpointBytes: DomainStore<Uint8Array>;
}

/** Whole-thread operations of the saver: delete, prune, copy. Each works a page at a time. */
export class ThreadMaintenance {
  readonly #checkpoints: DomainStore<unknown>;
  readonly #bytes: DomainStore<Uint8Array>;
  readonly #heads: ThreadHeads | undefined;
  readonly #versionsOf: VersionsOf;

  constructor(domains: MaintainedDomains, heads: ThreadHeads | undefined, versionsOf: VersionsOf) {
    this.#checkpoints = domains.checkpoints;
    this.#bytes = domains.checkpointBytes;
    this.#heads = heads;
    this.#versionsOf = versionsOf;
  }

  /** Deletes every checkpoint, write and channel value of `thread`. */
  async deleteThread(thread: string): Promise<void> {
    // Heads first: a head left behind would bring the thread back as its newest checkpoint.
    await this.#heads?.drop(thread);
    // Records (with their writes) before the values they name, so a concurrent reader never sees a
    // record without its values; the expiry last, so an expired thread stays invisible until it is gone.
    await deletePrefix(this.#bytes, checkpointPrefix(thread));
    await deletePrefix(this.#bytes, timePrefix(thread));
    await deletePrefix(this.#bytes, valuesPrefix(thread));
    await deletePrefix(this.#bytes, threadPrefix(thread));
  }

  /** Keeps the newest `keep` checkpoints per namespace; returns how many it removed. */
  async prune(thread: string, keep: number): Promise<number> {
    if (keep === 0) {
      let count = 0;
      for await (const key of ascendingKeys(this.#bytes, checkpointPrefix(thread))) if (isRecordKey(key)) count++;
      await this.deleteThread(thread);
      return count;
    }
    let removed = 0;
    for await (const ns of this.namespaces(thread)) removed += await this.#pruneNamespace(thread, ns, keep);
    await this.#heads?.trim(thread);
    return removed;
  }

  /** Copies thread `from` into `to`, which must have no checkpoints. */
  async copyThread(from: string, to: string): Promise<void> {
    if (from === to) throw new StoreError('INVALID_VALUE', 'copyThread needs two different threads');
    const occupied = (await this.#bytes.count({ prefix: checkpointPrefix(to), limit: 1 })) > 0 || (await this.#heads?.exists(to)) === true;
    if (occupied) throw new StoreError('CONFLICT', `thread ${JSON.stringify(to)} already has checkpoints`);
    const rename = (key: Array<string | number>): Key => [to, ...key.slice(1)];
    // Values, writes and index before records: a copied record is complete the moment it is visible.
    // The expiry is not copied: the copy is a new thread.
    await copyPrefix(this.#bytes, valuesPrefix(from), rename);
    await copyPrefix(this.#bytes, checkpointPrefix(from), rename, (key) => !isRecordKey(key));
    await copyPrefix(this.#bytes, timePrefix(from), rename);
    await copyPrefix(this.#bytes, checkpointPrefix(from), rename, isRecordKey);
    if (this.#heads) {
      for await (const ns of this.namespaces(to)) {
        for await (const [key, record] of descending(this.#bytes, checkpointPrefix(to, ns), undefined, 8)) {
          if (!isRecordKey(key)) continue;
          await this.#heads.seed(to, ns, (key as string[])[3] as string, record);
          break;
        }
      }
    }
  }

  /** The namespaces of `thread` in key order, found by skipping from one namespace to the next. */
  async *namespaces(thread: string): AsyncGenerator<string> {
    let from: Key | undefined;
    for (;;) {
      let next: string | undefined;
      for await (const key of this.#bytes.keys({
        prefix: checkpointPrefix(thread),
        ...(from === undefined ? {} : { gte: from }),
        limit: 1,
      })) {
        next = (key as string[])[2];
      }
      if (next === undefined) return;
      yield next;
      from = afterPrefix([thread, CHECKPOINT, next]);
    }
  }

  async #pruneNamespace(thread: string, ns: string, keep: number): Promise<number> {
    const kept = new Set<string>();
    let newest: Version | undefined;
    let seen = 0;
    let victims: string[] = [];
    let removed = 0;
    for await (const [key, record] of descending(this.#checkpoints, checkpointPrefix(thread, ns), undefined, PAGE)) {
      if (!isRecordKey(key)) continue;
      const id = (key as string[])[3] as string;
      if (seen++ < keep) {
        for (const [channel, version] of Object.entries(await this.#versionsOf(record as CheckpointRecord))) {
          kept.add(versionKey(channel, version));
          if (newest === undefined || (comparable(version, newest) && compareChannelVersions(version, newest) > 0)) newest = version;
        }
        continue;
      }
      victims.push(id);
      if (victims.length >= PAGE) {
        removed += await this.#removeCheckpoints(thread, ns, victims);
        victims = [];
      }
    }
    if (victims.length > 0) removed += await this.#removeCheckpoints(thread, ns, victims);
    if (removed > 0) await this.#collectValues(thread, ns, kept, newest);
    return removed;
  }

  async #removeCheckpoints(thread: string, ns: string, ids: readonly string[]): Promise<number> {
    await this.#bytes.deleteMany(ids.flatMap((id) => [checkpointKey(thread, ns, id), timeKey(thread, id, ns)]));
    // The record went first: its writes alone are never read as a checkpoint.
    for (const id of ids) await deletePrefix(this.#bytes, checkpointPrefix(thread, ns, id));
    return ids.length;
  }

  /**
   * Deletes channel values no kept checkpoint refers to. Only versions older than the newest kept one
   * go: a newer value may belong to a checkpoint being put right now, whose record is not written yet.
   */
  async #collectValues(thread: string, ns: string, kept: ReadonlySet<string>, newest: Version | undefined): Promise<void> {
    if (newest === undefined) return;
    let doomed: Key[] = [];
    for await (const key of ascendingKeys(this.#bytes, valuesPrefix(thread, ns))) {
      const [, , , channel, version] = key as [string, string, string, string, Version];
      if (kept.has(versionKey(channel, version))) continue;
      if (!comparable(version, newest) || compareChannelVersions(version, newest) >= 0) continue;
      doomed.push(key);
      if (doomed.length >= 512) {
        await this.#bytes.deleteMany(doomed);
        doomed = [];
      }
    }
    if (doomed.length > 0) await this.#bytes.deleteMany(doomed);
  }
}

function versionKey(channel: string, version: Version): string {
  return JSON.stringify([channel, version]);
}

function comparable(a: Version, b: Version): boolean {
  return typeof a === typeof b;
}

/** Copies every entry under `prefix` (that `only` accepts) to `rename(key)`, a page per transaction. */
async function copyPrefix(
  kv: DomainStore<Uint8Array>,
  prefix: Key,
  rename: (key: Array<string | number>) => Key,
  only: (key: Key) => boolean = () => true,
): Promise<void> {
  let lower: Key | undefined;
  for (;;) {
    const page: Array<readonly [Key, Uint8Array]> = [];
    for await (const [key, value] of kv.entries({ prefix, ...(lower === undefined ? {} : { gt: lower }), limit: PAGE }))
      page.push([key, value]);
    const last = page[page.length - 1];
    if (last === undefined) return;
    const kept = page.filter(([key]) => only(key));
    if (kept.length > 0) await kv.putMany(kept.map(([key, value]) => [rename(key as Array<string | number>), value] as const));
    if (page.length < PAGE) return;
    lower = last[0];
  }
}
