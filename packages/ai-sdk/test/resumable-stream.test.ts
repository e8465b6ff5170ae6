import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, isStoreError, type Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResumableStreamContext } from '../src/index.js';
import { WORDS } from './fixtures/mock-model.js';
import { readAll, WriterProcess } from './support/writer-process.js';

/** The text of the `text-delta` events of an SSE UI message stream. */
function textOf(sse: string[]): string {
  return sse
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string })
    .filter((event) => event.type === 'text-delta')
    .map((event) => event.delta)
    .join('');
}

describe('a resumable streamText stream on SQLite, across processes', () => {
  let dataDir: string;
  let store: Store;
  const writers: WriterProcess[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-ai-sdk-stream-'));
    store = await createStore({ dataDir, adapters: [sqliteAdapter] });
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) w.kill();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives a reader that resumes at the interruption the rest of the stream', async () => {
    const writer = new WriterProcess([dataDir, 'chat-1-msg-2', '5', '120']);
    // The resuming reader is a third process, started at once so that it is up before the stream ends.
    const resumer = new WriterProcess([dataDir, 'chat-1-msg-2', '5'], 'stream-reader.ts');
    writers.push(writer, resumer);
    const interrupted = await writer.line();
    expect(interrupted).toMatch(/^interrupted /);
    const firstPart = JSON.parse(interrupted.slice('interrupted '.length)) as string[];
    expect(firstPart).toHaveLength(5);

    const context = createResumableStreamContext({ store, pollIntervalMs: 20 });
    expect(await context.hasExistingStream('chat-1-msg-2')).toBe(true);
    // This process reads the whole stream, to compare.
    const whole = await context.resumeExistingStream('chat-1-msg-2');
    if (!whole) throw new Error('the stream should still be running');
    const wholeChunks = await readAll(whole);
    const restChunks = JSON.parse(await resumer.line()) as string[];

    expect([...firstPart, ...restChunks]).toEqual(wholeChunks);
    expect(textOf(wholeChunks)).toBe(WORDS.join(''));
    expect(textOf(firstPart).length).toBeLessThan(WORDS.join('').length); // it really was cut short
    expect(wholeChunks.at(-1)).toBe('data: [DONE]\n\n');

    expect(await writer.line()).toBe('stored');
    expect(await context.hasExistingStream('chat-1-msg-2')).toBe('DONE');
    expect(await context.resumeExistingStream('chat-1-msg-2')).toBeNull();
    expect(await context.resumeExistingStream('never-started')).toBeUndefined();
  });

  it('fails a waiting reader with IO when the producer process is killed', async () => {
    const writer = new WriterProcess([dataDir, 's-killed', '2', '400']);
    writers.push(writer);
    expect(await writer.line()).toMatch(/^interrupted /);
    writer.kill();
    const context = createResumableStreamContext({ store, pollIntervalMs: 20, idleTimeoutMs: 1000 });
    const rest = await context.resumeExistingStream('s-killed', 2);
    if (!rest) throw new Error('the stream never finished, so it should resume');
    await expect(readAll(rest)).rejects.toSatisfy((e) => isStoreError(e, 'IO'));
  });
});

describe('resumable streams in one process', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createStore({ dataDir: join(tmpdir(), 'unused'), adapters: [], default: { adapter: 'memory' } });
  });
  afterEach(async () => store.close());

  const streamOf = (chunks: string[], fail?: string) =>
    new ReadableStream<string>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        if (fail) controller.error(new Error(fail));
        else controller.close();
      },
    });

  it('runs makeStream once: the second resumableStream call follows the first', async () => {
    const context = createResumableStreamContext({ store });
    let made = 0;
    const make = () => {
      made++;
      return streamOf(['a', 'b', 'c']);
    };
    const [one, two] = await Promise.all([context.resumableStream('x', make), context.resumableStream('x', make, 1)]);
    expect(made).toBe(1);
    expect(await readAll(one as ReadableStream<string>)).toEqual(['a', 'b', 'c']);
    expect(await readAll(two as ReadableStream<string>)).toEqual(['b', 'c']);
    expect(await context.resumableStream('x', make)).toBeNull();
    await expect(context.createNewResumableStream('x', make)).rejects.toSatisfy((e) => isStoreError(e, 'CONFLICT'));
  });

  it('times a reader out only after idleTimeoutMs without a chunk, not after idleTimeoutMs in all', async () => {
    const context = createResumableStreamContext({ store, pollIntervalMs: 10, idleTimeoutMs: 400 });
    const slow = new ReadableStream<string>({
      async start(controller) {
        for (let i = 0; i < 20; i++) {
          controller.enqueue(String(i));
          await new Promise((r) => setTimeout(r, 40));
        }
        controller.close();
      },
    });
    const s = await context.createNewResumableStream('slow', () => slow);
    expect(await readAll(s)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('passes a producer failure to readers, and rejects bad input', async () => {
    const context = createResumableStreamContext({ store });
    const s = await context.createNewResumableStream('f', () => streamOf(['a'], 'model exploded'));
    await expect(readAll(s)).rejects.toSatisfy((e) => isStoreError(e, 'IO') && /model exploded/.test((e as Error).message));
    await expect(context.resumeExistingStream('', 0)).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    await expect(context.resumeExistingStream('f', -1)).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    expect(() => createResumableStreamContext({ store, pollIntervalMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => createResumableStreamContext({ store, redis: 1 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
