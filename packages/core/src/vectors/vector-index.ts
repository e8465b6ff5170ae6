import { StoreError } from '../errors.js';
import type { Flushable } from '../runtime/store-context.js';
import type { DomainBackend } from '../spi/backend.js';
import type { VectorMetric } from './types.js';
import { VectorSet } from './vector-set.js';
import {
  changeSeq,
  changesAfter,
  decodeEntry,
  decodeHead,
  ENTRY_RANGE,
  entryKey,
  entrySeq,
  HEAD_KEY,
  userKeyOf,
  type VectorsHead,
} from './vectors-layout.js';

/** Change records read per page when catching up with other writers. */
const CHANGE_PAGE = 1_000;

/** Listens to what a refresh changes (the approximate index follows the set through it). */
export interface SetListener {
  /** The whole set was (re)loaded. */
  reloaded(set: VectorSet, head: VectorsHead): void;
  /** `seq`'s entry was written; `replaced` is the seq it replaced. */
  upserted(set: VectorSet, slot: number, replaced: number | undefined): void;
  /** The entry of seq `seq` was removed. */
  deleted(seq: number): void;
}

/** The settings a domain's head says it holds, or `INVALID_OPTIONS` when they differ from the handle's. */
export function assertSettings(domain: string, head: VectorsHead, dims: number, metric: VectorMetric): void {
  if (head.dims !== dims || head.metric !== metric) {
    throw new StoreError(
      'INVALID_OPTIONS',
      `vectors domain "${domain}" holds ${head.dims}-dimensional vectors compared by ${head.metric}, not ${dims} by ${metric}`,
      { issues: [{ path: [head.dims !== dims ? 'dims' : 'metric'], message: 'differs from what the domain recorded' }] },
    );
  }
}

/**
 * A domain's entries in this process's memory, kept current with the domain: `refresh` reads the
 * head (one point read) and, when another writer moved it, the change records since the version this
 * copy holds. One per opened backend, shared by every handle of the domain in this store.
 */
export class VectorIndex implements Flushable {
  #set: VectorSet | undefined;
  #epoch: string | undefined;
  #version = 0;
  #refreshing: Promise<VectorSet | undefined> | undefined;
  #listener: SetListener | undefined;

  /** Receives every change of the set from now on. */
  listen(listener: SetListener | undefined): void {
    this.#listener = listener;
  }

  /** The seq this copy reflects. */
  get version(): number {
    return this.#version;
  }

  /** The set as of the last refresh (undefined before the domain's first write). */
  get set(): VectorSet | undefined {
    return this.#set;
  }

  /**
   * Brings the copy up to the domain's current state: every write committed before the call is
   * reflected when it resolves. Concurrent callers share one refresh, and a caller arriving during
   * one waits for a new one (the running one may have read the head before that caller's write).
   */
  async refresh(backend: DomainBackend, domain: string, dims: number, metric: VectorMetric): Promise<VectorSet | undefined> {
    while (this.#refreshing) await this.#refreshing.catch(() => undefined);
    const run = this.#refresh(backend, domain, dims, metric);
    this.#refreshing = run;
    try {
      return await run;
    } finally {
      if (this.#refreshing === run) this.#refreshing = undefined;
    }
  }

  async #refresh(backend: DomainBackend, domain: string, dims: number, metric: VectorMetric): Promise<VectorSet | undefined> {
    const head = decodeHead(await backend.get(HEAD_KEY));
    if (head === undefined) {
      // Never written, or dropped and not written again.
      this.#set = undefined;
      this.#epoch = undefined;
      this.#version = 0;
      return undefined;
    }
    assertSettings(domain, head, dims, metric);
    if (this.#set === undefined || head.epoch !== this.#epoch) return this.#load(backend, head);
    if (head.seq > this.#version) await this.#catchUp(backend, head.dims);
    return this.#set;
  }

  /** Loads every entry. The head was read first: changes made during the scan are applied after it. */
  async #load(backend: DomainBackend, head: VectorsHead): Promise<VectorSet> {
    const set = new VectorSet(head.dims, head.metric);
    const scratch = new Float32Array(head.dims);
    for await (const [key, value] of backend.range(ENTRY_RANGE)) {
      const entry = decodeEntry(value, head.dims, scratch);
      set.set(userKeyOf(key).slice(), entry.seq, entry.vector, entry.metadata);
    }
    this.#set = set;
    this.#epoch = head.epoch;
    this.#version = head.seq;
    this.#listener?.reloaded(set, head);
    await this.#catchUp(backend, head.dims);
    return set;
  }

  /** Applies the change records after this copy's version, page by page. */
  async #catchUp(backend: DomainBackend, dims: number): Promise<void> {
    const set = this.#set as VectorSet;
    for (;;) {
      const changes: Array<[number, Uint8Array]> = [];
      for await (const [key, value] of backend.range(changesAfter(this.#version, CHANGE_PAGE))) changes.push([changeSeq(key), value]);
      if (changes.length === 0) return;
      const entries = await backend.getMany(changes.map(([, userKey]) => entryKey(userKey)));
      changes.forEach(([seq, userKey], i) => {
        const bytes = entries[i];
        if (bytes === undefined) {
          const gone = set.delete(userKey);
          if (gone !== undefined) this.#listener?.deleted(gone);
        } else if (entrySeq(bytes) === seq) {
          // Otherwise a later write replaced it, and a later change record covers that one.
          const entry = decodeEntry(bytes, dims);
          const replaced = set.set(userKey.slice(), seq, entry.vector, entry.metadata);
          if (replaced !== seq) this.#listener?.upserted(set, set.slotOfSeq(seq) as number, replaced);
        }
      });
      this.#version = (changes[changes.length - 1] as [number, Uint8Array])[0];
      if (changes.length < CHANGE_PAGE) return;
    }
  }

  /** Nothing buffered: writes go to the domain first. */
  async flush(): Promise<void> {}
}
