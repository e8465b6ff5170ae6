import type { Located } from './tuple-reader.js';

/** One source's current page and position in it. */
interface Cursor {
  readonly pages: AsyncIterator<Located[]>;
  page: Located[];
  at: number;
  done: boolean;
}

/**
 * Merges streams of checkpoints that are each newest first into pages of `pageSize` in the order of
 * the thread's time index (`[thread, 2, id, ns]` read in reverse): id descending, then namespace
 * descending. A `put` in the root namespace writes no index entry (one key region less per commit),
 * so a thread's history across namespaces is its root records merged with the index. A source is
 * read a page at a time, and only when the merge needs its next checkpoint.
 */
export async function* newestFirst(sources: ReadonlyArray<AsyncIterable<Located[]>>, pageSize: number): AsyncGenerator<Located[]> {
  const cursors: Cursor[] = sources.map((source) => ({ pages: source[Symbol.asyncIterator](), page: [], at: 0, done: false }));
  try {
    let out: Located[] = [];
    for (;;) {
      let best: Cursor | undefined;
      for (const cursor of cursors) {
        while (!cursor.done && cursor.at >= cursor.page.length) {
          const next = await cursor.pages.next();
          if (next.done === true) cursor.done = true;
          else {
            cursor.page = next.value;
            cursor.at = 0;
          }
        }
        if (cursor.done) continue;
        if (best === undefined || later(cursor.page[cursor.at] as Located, best.page[best.at] as Located)) best = cursor;
      }
      if (best === undefined) break;
      out.push(best.page[best.at++] as Located);
      if (out.length === pageSize) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    for (const cursor of cursors) if (!cursor.done) await cursor.pages.return?.();
  }
}

/** Whether `a` comes before `b` newest first: the greater id, else the greater namespace. */
function later(a: Located, b: Located): boolean {
  return a.id !== b.id ? a.id > b.id : a.ns > b.ns;
}
