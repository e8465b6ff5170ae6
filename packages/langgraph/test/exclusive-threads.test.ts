import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isStoreError, type Store } from '@agentstore/core';
import { type Checkpoint, type CheckpointTuple, uuid6 } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { openStore } from './support/stores.js';

const here = dirname(fileURLToPath(import.meta.url));

function checkpoint(values: Record<string, unknown> = {}): Checkpoint {
  const versions = Object.fromEntries(Object.keys(values).map((k) => [k, 1]));
  return { v: 4, id: uuid6(-1), ts: new Date().toISOString(), channel_values: values, channel_versions: versions, versions_seen: {} };
}

const meta = (step: number) => ({ source: 'loop' as const, step, parents: {} });

async function history(saver: AgentstoreSaver, thread: string): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const t of saver.list({ configurable: { thread_id: thread, checkpoint_ns: '' } })) out.push(t);
  return out;
}

describe('exclusiveThreads in one process', () => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    ({ store, destroy } = await openStore('sqlite'));
  });
  afterEach(async () => destroy());

  it('lets exactly one of two writers extend the head they both resumed from', async () => {
    const a = new AgentstoreSaver(store, { exclusiveThreads: true });
    const b = new AgentstoreSaver(store, { exclusiveThreads: true });
    const root = await a.put({ configurable: { thread_id: 't' } }, checkpoint(), meta(-1), {});
    const results = await Promise.allSettled([a.put(root, checkpoint(), meta(0), {}), b.put(root, checkpoint(), meta(0), {})]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isStoreError(rejected.reason, 'CONFLICT')).toBe(true);
    expect((await history(a, 't')).map((t) => t.metadata?.step)).toEqual([0, -1]);
  });

  it('lets exactly one of two writers start a new thread', async () => {
    const savers = [0, 1, 2].map(() => new AgentstoreSaver(store, { exclusiveThreads: true }));
    const results = await Promise.allSettled(savers.map((s) => s.put({ configurable: { thread_id: 'new' } }, checkpoint(), meta(-1), {})));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && isStoreError(r.reason, 'CONFLICT'))).toHaveLength(2);
  });

  it('refuses to fork from an older checkpoint, and accepts a linear run', async () => {
    const saver = new AgentstoreSaver(store, { exclusiveThreads: true });
    const c0 = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }), meta(-1), { a: 1 });
    const c1 = await saver.put(c0, checkpoint({ a: 1 }), meta(0), {});
    await saver.put(c1, checkpoint({ a: 1 }), meta(1), {});
    await expect(saver.put(c0, checkpoint(), meta(1), {})).rejects.toSatisfy((err) => isStoreError(err, 'CONFLICT'));
    expect((await history(saver, 't')).map((t) => t.metadata?.step)).toEqual([1, 0, -1]);
  });

  it('recovers a checkpoint whose writer died between the head commit and the record write', async () => {
    const saver = new AgentstoreSaver(store, { exclusiveThreads: true });
    const c0 = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }), meta(-1), { a: 1 });
    const c1 = await saver.put(c0, checkpoint({ a: 1 }), meta(0), {});
    const lost = c1.configurable?.checkpoint_id as string;
    // Simulate the crash: the record copy in the checkpoints domain never got written (a root-namespace
    // record has no time index entry).
    expect(await store.kv('checkpoints').deleteMany([['t', 1, '', lost]])).toBe(1);
    const latest = await saver.getTuple({ configurable: { thread_id: 't' } });
    expect(latest?.checkpoint.id).toBe(lost);
    expect(latest?.checkpoint.channel_values).toEqual({ a: 1 });
    await saver.put(latest?.config ?? c1, checkpoint({ a: 1 }), meta(1), {});
    expect((await history(saver, 't')).map((t) => t.metadata?.step)).toEqual([1, 0, -1]);
  });

  it('deletes, prunes and copies threads together with their heads', async () => {
    const saver = new AgentstoreSaver(store, { exclusiveThreads: true });
    let config = await saver.put({ configurable: { thread_id: 't' } }, checkpoint(), meta(-1), {});
    for (let step = 0; step < 40; step++) config = await saver.put(config, checkpoint(), meta(step), {});
    expect(await saver.prune('t', 2)).toBe(39);
    config = await saver.put(config, checkpoint(), meta(40), {});
    await saver.copyThread('t', 'copy');
    const copyLatest = await saver.getTuple({ configurable: { thread_id: 'copy' } });
    await saver.put(copyLatest?.config ?? {}, checkpoint(), meta(41), {});
    await expect(saver.put({ configurable: { thread_id: 'copy' } }, checkpoint(), meta(-1), {})).rejects.toSatisfy((err) =>
      isStoreError(err, 'CONFLICT'),
    );
    await saver.deleteThread('t');
    expect(await saver.getTuple({ configurable: { thread_id: 't' } })).toBeUndefined();
    await saver.put({ configurable: { thread_id: 't' } }, checkpoint(), meta(-1), {});
  });
});

/** One worker process: send it a command, await its one-line answer. */
class Worker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(dataDir: string, adapter: string, thread: string, name: string) {
    this.#child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'exclusive-worker.ts'), dataDir, adapter, thread, name],
      {
        cwd: join(here, '..', '..', '..'),
      },
    );
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  async send(command: string): Promise<string> {
    this.#child.stdin.write(`${command}\n`);
    const next = await this.#lines.next();
    if (next.done) throw new Error(`worker exited: ${this.#stderr}`);
    return next.value;
  }

  async quit(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end('quit\n');
    await exited;
  }
}

describe.each(['sqlite', 'lmdb'] as const)('exclusiveThreads across processes on %s', (adapter) => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `agentstore-langgraph-exclusive-${adapter}-`));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('of two processes resuming the same thread, one wins each round and the other gets CONFLICT', async () => {
    const workers = [new Worker(dir, adapter, 'shared', 'A'), new Worker(dir, adapter, 'shared', 'B')];
    const rounds = 12;
    const winners: string[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const heads = await Promise.all(workers.map((w) => w.send('read')));
        expect(new Set(heads).size).toBe(1); // both resumed from the same checkpoint
        const answers = await Promise.all(workers.map((w) => w.send('put')));
        expect(answers.filter((a) => a.startsWith('ok '))).toHaveLength(1);
        expect(answers.filter((a) => a === 'conflict')).toHaveLength(1);
        winners.push((answers.find((a) => a.startsWith('ok ')) as string).slice(3));
      }
    } finally {
      await Promise.all(workers.map((w) => w.quit()));
    }
    // The thread is one linear chain of the winners' checkpoints: no fork.
    const { store, destroy } = await openStore(adapter, dir);
    try {
      const saver = new AgentstoreSaver(store, { exclusiveThreads: true });
      const chain = await history(saver, 'shared');
      expect(chain.map((t) => t.checkpoint.id)).toEqual([...winners].reverse());
      expect(chain.map((t) => t.parentConfig?.configurable?.checkpoint_id)).toEqual(
        chain
          .slice(1)
          .map((t) => t.checkpoint.id)
          .concat([undefined as never]),
      );
      expect(chain.map((t) => t.metadata?.step)).toEqual(Array.from({ length: rounds }, (_, i) => rounds - 1 - i));
    } finally {
      await destroy();
    }
  }, 120_000);
});
