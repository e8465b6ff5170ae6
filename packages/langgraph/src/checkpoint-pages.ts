import type { DomainStore, Key, Range } from '@agentstore/core';
import { TIME } from './layout.js';
import { newestFirst } from './newest-first.js';
import type { Located, TupleReader } from './tuple-reader.js';

/**
 * The checkpoints `list` visits, newest first, a page (one range read) at a time: of one thread and
 * namespace, of one thread across namespaces (the root namespace's records merged with the time
 * index), and the threads of the domain in descending key order.
 */
export class CheckpointPages {
  readonly #checkpointBytes: DomainStore<Uint8Array>;
  readonly #reader: TupleReader;
  readonly #find: (thread: string, ns: string, id: string) => Promise<Located | undefined>;

  /** `find`: checkpoint `id` of (thread, ns), as `getTuple` finds it (a head included). */
  constructor(
    checkpointBytes: DomainStore<Uint8Array>,
    reader: TupleReader,
    find: (thread: string, ns: string, id: string) => Promise<Located | undefined>,
  ) {
    this.#checkpointBytes = checkpointBytes;
    this.#reader = reader;
    this.#find = find;
  }

  /** Every thread, in descending key order: one single-entry range per thread. */
  async *threadsDescending(): AsyncGenerator<string> {
    let upper: Key | undefined;
    for (;;) {
      const range = { ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: 1 };
      const [key] = await this.#checkpointBytes.read((reader) => reader.keys(range));
      const thread = (key as string[] | undefined)?.[0];
      if (typeof thread !== 'string') return;
      yield thread;
      upper = [thread];
    }
  }

  /** Checkpoints of `thread` matching the list arguments, newest first, a page (one range read) at a time. */
  async *pages(
    thread: string,
    ns: string | undefined,
    before: string | undefined,
    only: string | undefined,
    pageSize: number,
  ): AsyncGenerator<Located[]> {
    if (ns !== undefined) {
      if (only !== undefined) {
        const found = before === undefined || only < before ? await this.#find(thread, ns, only) : undefined;
        if (found) yield [found];
        return;
      }
      let upper = before;
      for (;;) {
        const page = await this.#reader.descending(thread, ns, upper, pageSize);
        const last = page[page.length - 1];
        if (last !== undefined) yield page;
        if (page.length < pageSize || last === undefined) return;
        upper = last.id;
      }
    }
    if (only === undefined && before === undefined) {
      // The newest page of `thread` when its only namespace is the root one (`TupleReader.rootOnly`).
      const root = await this.#reader.rootOnly(thread, pageSize);
      if (root !== undefined) {
        const last = root[root.length - 1];
        if (last !== undefined) yield root;
        if (root.length === pageSize && last !== undefined) yield* this.pages(thread, '', last.id, undefined, pageSize);
        return;
      }
    }
    // Without a namespace: the root namespace's records merged with the time index (other namespaces).
    if (only !== undefined && before !== undefined && !(only < before)) return;
    yield* newestFirst([this.pages(thread, '', before, only, pageSize), this.#indexPages(thread, before, only, pageSize)], pageSize);
  }

  /**
   * Checkpoints of `thread` outside the root namespace, newest first, a page of its time index at a
   * time (the root namespace's entries an earlier version wrote there are skipped: its records are read directly).
   */
  async *#indexPages(thread: string, before: string | undefined, only: string | undefined, pageSize: number): AsyncGenerator<Located[]> {
    let upper: Key | undefined = before !== undefined && only === undefined ? [thread, TIME, before] : undefined;
    const prefix = only !== undefined ? [thread, TIME, only] : [thread, TIME];
    for (;;) {
      const batch: Array<readonly [string, string]> = [];
      const range: Range = { prefix, ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: pageSize };
      const keys: Key[] = await this.#checkpointBytes.read((reader) => reader.keys(range));
      const scanned = keys.length;
      const last: Key | undefined = keys[scanned - 1];
      for (const key of keys) {
        const [, , id, n] = key as [string, number, string, string];
        if (n !== '') batch.push([id, n]);
      }
      if (batch.length > 0) yield await this.#records(thread, batch);
      if (scanned < pageSize || last === undefined) return;
      upper = last;
    }
  }

  /** The checkpoints (with writes) of index entries `[id, ns]` of `thread`: one range per namespace. */
  async #records(thread: string, batch: ReadonlyArray<readonly [string, string]>): Promise<Located[]> {
    const byNs = new Map<string, Set<string>>();
    for (const [id, ns] of batch) {
      const ids = byNs.get(ns) ?? new Set<string>();
      byNs.set(ns, ids);
      ids.add(id);
    }
    const found = await Promise.all([...byNs].map(([ns, ids]) => this.#reader.span(thread, ns, ids)));
    const byId = new Map<string, Located>();
    for (const located of found) for (const [id, one] of located) byId.set(`${one.ns}\u0000${id}`, one);
    const out: Located[] = [];
    for (const [id, ns] of batch) {
      const one = byId.get(`${ns}\u0000${id}`);
      if (one !== undefined) out.push(one);
    }
    return out;
  }
}
