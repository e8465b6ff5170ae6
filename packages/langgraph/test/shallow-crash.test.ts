import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { rawCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { collect, keysOf } from './support/history.js';
import { openStore } from './support/stores.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs the shallow worker until it has acknowledged `acks` steps plus a random few, SIGKILLs it, returns the last acknowledged step. */
async function killMidRun(dataDir: string, adapter: string, acks: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'shallow-worker.ts'), dataDir, adapter, 't'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let last = -1;
  const target = acks + Math.floor(Math.random() * 20);
  for await (const line of createInterface({ input: child.stdout })) {
    last = Number(line.split(' ')[1]);
    if (last >= target) {
      child.kill('SIGKILL');
      break;
    }
  }
  await exited;
  return last;
}

describe.each(['sqlite', 'lmdb'] as const)('a shallow thread after SIGKILL on %s', (adapter) => {
  it('keeps a complete latest checkpoint, at least as new as the last acknowledged one, and one or two in all', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `agentstore-shallow-crash-${adapter}-`));
    try {
      for (let round = 0; round < 3; round++) {
        const acked = await killMidRun(dataDir, adapter, 30 + round * 10);
        const { store, destroy } = await openStore(adapter, dataDir);
        try {
          const saver = new AgentstoreSaver(store, { shallow: true });
          const latest = await saver.getTuple({ configurable: { thread_id: 't', checkpoint_ns: '' } });
          const step = latest?.metadata?.step as number;
          expect(step).toBeGreaterThanOrEqual(acked);
          expect(latest?.checkpoint.channel_values).toEqual({ step, big: `${step} `.repeat(1500) });
          const all = await collect(saver.list({ configurable: { thread_id: 't' } }));
          expect(all.length).toBeGreaterThanOrEqual(1);
          expect(all.length).toBeLessThanOrEqual(2);
          // Negative control: the check above sees a lost checkpoint when there is one.
          const records = (await keysOf(store, 'checkpoints', ['t', 1, ''])).filter((key) => (key as unknown[]).length === 4);
          const probe = store.kv('checkpoints', { codec: rawCodec });
          const saved = await probe.getMany(records);
          await probe.deleteMany(records);
          expect(await saver.getTuple({ configurable: { thread_id: 't', checkpoint_ns: '' } })).toBeUndefined();
          await probe.putMany(records.map((key, i) => [key, saved[i] as Uint8Array] as const));
          // The next run continues the thread from here (the worker starts a new chain at step 0).
          await saver.deleteThread('t');
        } finally {
          await destroy();
        }
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
