import type { DomainStore, Key } from '@agentstore/core';

/** Most entries one read of a domain asks for. */
export const PAGE = 64;

/**
 * Streams the entries under `prefix` (below `lt` when given) in descending key order, one page per
 * read, so a long thread is never read whole whatever the backend does with a range.
 */
export async function* descending<V>(
  kv: DomainStore<V>,
  prefix: Key,
  lt: Key | undefined,
  pageSize: number = PAGE,
): AsyncGenerator<[Key, V]> {
  let upper = lt;
  for (;;) {
    const page: Array<[Key, V]> = [];
    for await (const entry of kv.entries({ prefix, ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: pageSize }))
      page.push(entry);
    yield* page;
    const last = page[page.length - 1];
    if (page.length < pageSize || last === undefined) return;
    upper = last[0];
  }
}

/** Streams the keys under `prefix` in ascending order, one page per read. */
export async function* ascendingKeys(kv: DomainStore<unknown>, prefix: Key, pageSize: number = PAGE): AsyncGenerator<Key> {
  let lower: Key | undefined;
  for (;;) {
    const page: Key[] = [];
    for await (const key of kv.keys({ prefix, ...(lower === undefined ? {} : { gt: lower }), limit: pageSize })) page.push(key);
    yield* page;
    const last = page[page.length - 1];
    if (page.length < pageSize || last === undefined) return;
    lower = last;
  }
}

/** Deletes every key under `prefix`, a page per transaction; returns how many it removed. */
export async function deletePrefix(kv: DomainStore<unknown>, prefix: Key, pageSize = 512): Promise<number> {
  let removed = 0;
  for (;;) {
    const page: Key[] = [];
    for await (const key of kv.keys({ prefix, limit: pageSize })) page.push(key);
    if (page.length === 0) return removed;
    removed += await kv.deleteMany(page);
    if (page.length < pageSize) return removed;
  }
}
