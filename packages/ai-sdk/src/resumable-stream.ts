import { type Journal, type Store, StoreError } from '@agentstore/core';
import { assertCountOption, assertId, assertKnownOptions, domainOption } from './options.js';

/** Options of {@link createResumableStreamContext}. */
export interface ResumableStreamContextOptions {
  /** The store whose journal domain holds the streams' chunks. */
  readonly store: Store;
  /** That journal domain; default `ai_streams`. */
  readonly domain?: string;
  /** Keeps a serverless function alive until the producer has stored the whole stream; `null` on a server. */
  readonly waitUntil?: ((promise: Promise<unknown>) => void) | null;
  /** How often a reader in another process looks for new chunks; default 50 ms (10..1000). */
  readonly pollIntervalMs?: number;
  /** A reader that sees no new chunk for this long errors with `IO` (the producer may be dead); default 60,000 ms. */
  readonly idleTimeoutMs?: number;
}

/** Streams whose chunks live in an agentstore journal, so a reader can resume them from any process. */
export interface ResumableStreamContext {
  /**
   * Starts the stream `streamId` with `makeStream` if no process has, else resumes it. Returns the
   * chunks from index `skipChunks` (default 0) on; `null` when the stream is already done.
   */
  resumableStream(streamId: string, makeStream: () => ReadableStream<string>, skipChunks?: number): Promise<ReadableStream<string> | null>;
  /** Starts the stream `streamId` (`CONFLICT` if it was started before) and returns its chunks from `skipChunks` on. */
  createNewResumableStream(
    streamId: string,
    makeStream: () => ReadableStream<string>,
    skipChunks?: number,
  ): Promise<ReadableStream<string>>;
  /** The chunks of a started stream from `skipChunks` on; `null` when it is done, `undefined` when it was never started. */
  resumeExistingStream(streamId: string, skipChunks?: number): Promise<ReadableStream<string> | null | undefined>;
  /** `null` for a stream never started, `true` while it runs, `'DONE'` once its producer finished. */
  hasExistingStream(streamId: string): Promise<null | true | 'DONE'>;
  /** Frees a finished stream's chunks but its end record; its id cannot be started again. */
  deleteStream(streamId: string): Promise<void>;
}

// Per stream id two journal streams: `c:<id>` holds the chunks (chunk i is seq i + 1) then one end
// record, `s:<id>` holds start claims (the claim that got seq 1 owns the producer). Stream ids are
// therefore at most 254 characters.
type StreamEntry = { readonly chunk: string } | { readonly end: 'done' } | { readonly end: 'error'; readonly message: string };
const chunks = (id: string) => `c:${id}`;
const claims = (id: string) => `s:${id}`;
const READ_PAGE = 256;

/** A resumable-stream context (the `resumable-stream` package's API) on an agentstore journal instead of Redis. */
export function createResumableStreamContext(options: ResumableStreamContextOptions): ResumableStreamContext {
  assertKnownOptions(options, ['store', 'domain', 'waitUntil', 'pollIntervalMs', 'idleTimeoutMs'], 'createResumableStreamContext');
  const { store, waitUntil = null, pollIntervalMs = 50, idleTimeoutMs = 60_000 } = options;
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10 || pollIntervalMs > 1000)
    throw new StoreError('INVALID_OPTIONS', 'pollIntervalMs must be an integer from 10 to 1000');
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < pollIntervalMs)
    throw new StoreError('INVALID_OPTIONS', 'idleTimeoutMs must be an integer no smaller than pollIntervalMs');
  const journal: Journal<StreamEntry> = store.journal<StreamEntry>(domainOption(options.domain, 'ai_streams'));
  // Readers in this process wake as soon as this process's producer stored something; readers elsewhere poll.
  const wakers = new Map<string, Set<() => void>>();
  const wake = (id: string) => {
    for (const w of [...(wakers.get(id) ?? [])]) w();
  };
  // Resolves on the next wake-up for `id` or after one poll interval, whichever comes first. The timer
  // is not unref'd: a process whose only work is following a stream must stay alive for it.
  const changed = (id: string) =>
    new Promise<void>((resolve) => {
      const set = wakers.get(id) ?? new Set<() => void>();
      wakers.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && wakers.get(id) === set) wakers.delete(id);
        resolve();
      };
      const timer = setTimeout(done, pollIntervalMs);
      set.add(done);
    });

  const check = (id: unknown, skip: unknown): void => {
    assertId(id, 'stream id', 254);
    assertCountOption(skip, 'skipChunks');
  };

  /** Appends `makeStream`'s chunks, batching those that arrive while an append is in flight. */
  async function produce(id: string, makeStream: () => ReadableStream<string>): Promise<void> {
    let end: StreamEntry = { end: 'done' };
    try {
      const reader = makeStream().getReader();
      let pending: StreamEntry[] = [];
      let flushing: Promise<void> = Promise.resolve();
      const flush = (): Promise<void> => {
        const batch = pending;
        pending = [];
        return journal.append(chunks(id), batch).then(() => wake(id));
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (typeof value !== 'string') throw new StoreError('INVALID_VALUE', 'a resumable stream carries strings');
        pending.push({ chunk: value });
        if (pending.length === 1) {
          flushing = flushing.then(flush);
          // Awaited after the loop; marked handled so a failed append cannot crash the process before that.
          flushing.catch(() => {});
        }
      }
      await flushing;
      if (pending.length > 0) await flush();
    } catch (err) {
      end = { end: 'error', message: err instanceof Error ? err.message : String(err) };
    }
    await journal.append(chunks(id), [end]);
    wake(id);
  }

  /** Chunks of `id` from index `skip` on, following the producer until its end record. */
  function follow(id: string, skip: number): ReadableStream<string> {
    let next = skip + 1;
    let idleSince = Date.now();
    return new ReadableStream<string>({
      async pull(controller) {
        for (;;) {
          const page = await journal.read(chunks(id), { fromSeq: next, limit: READ_PAGE });
          if (page.length > 0 && page[0]?.seq !== next) {
            controller.error(new StoreError('CONFLICT', `stream ${id} was deleted while it was read`));
            return;
          }
          for (const { value } of page) {
            if ('chunk' in value) {
              controller.enqueue(value.chunk);
              next++;
            } else {
              if (value.end === 'done') controller.close();
              else controller.error(new StoreError('IO', `the producer of stream ${id} failed: ${value.message}`));
              return;
            }
          }
          if (page.length > 0) {
            idleSince = Date.now();
            return;
          }
          if (Date.now() - idleSince > idleTimeoutMs) {
            controller.error(new StoreError('IO', `stream ${id} got no chunk for ${idleTimeoutMs} ms; its producer may have died`));
            return;
          }
          await changed(id);
        }
      },
    });
  }

  /** Claims the producer role of `id`: true for exactly one caller across processes. */
  async function claim(id: string): Promise<boolean> {
    const { firstSeq } = await journal.append(claims(id), [{ chunk: '' }]);
    return firstSeq === 1;
  }

  function start(id: string, makeStream: () => ReadableStream<string>): void {
    // A failure to store the end record (the store closed under it) leaves readers to their idle timeout.
    const producing = produce(id, makeStream).catch(() => {});
    waitUntil?.(producing);
  }

  async function state(id: string): Promise<null | true | 'DONE'> {
    if ((await journal.lastSeq(claims(id))) === 0) return null;
    const [last] = await journal.read(chunks(id), { reverse: true, limit: 1 });
    return last !== undefined && 'end' in last.value ? 'DONE' : true;
  }

  return {
    async resumableStream(id, makeStream, skipChunks = 0) {
      check(id, skipChunks);
      if (await claim(id)) {
        start(id, makeStream);
        return follow(id, skipChunks);
      }
      return (await state(id)) === 'DONE' ? null : follow(id, skipChunks);
    },

    async createNewResumableStream(id, makeStream, skipChunks = 0) {
      check(id, skipChunks);
      if (!(await claim(id))) throw new StoreError('CONFLICT', `stream ${id} was started before`);
      start(id, makeStream);
      return follow(id, skipChunks);
    },

    async resumeExistingStream(id, skipChunks = 0) {
      check(id, skipChunks);
      const s = await state(id);
      if (s === null) return undefined;
      return s === 'DONE' ? null : follow(id, skipChunks);
    },

    async hasExistingStream(id) {
      check(id, 0);
      return state(id);
    },

    async deleteStream(id) {
      check(id, 0);
      // The last record stays, so a finished stream still answers 'DONE' (and cannot be started again).
      const last = await journal.lastSeq(chunks(id));
      if (last > 1) await journal.truncateBefore(chunks(id), last);
    },
  };
}
