/**
 * The figures of the LMDB write-lock rescue (`lmdbWriteLockWakeups`) reach the report: writer children
 * kept waiting on LMDB's write lock for 1.5 s (the test holds it inside a transaction) are woken by the
 * rescue, report their count on their protocol stream, and the parent adds it up.
 */
import { commonOptionsSchema } from '@agentstore/core/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { persistentAdapters } from './harness/adapters.js';
import { childWriteLockWakeups, killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import type { Message } from './harness/protocol.js';
import { TempDirs } from './harness/temp-dirs.js';

const HOLD_MS = 1_500;
const WRITERS = 2;
const dirs = new TempDirs();

afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

/** Blocks this thread for `ms` (inside a transaction: LMDB's write lock stays held). */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// The rescue is the LMDB adapter's own: its package is the one that exports the counter.
const lmdb = persistentAdapters.filter((a) => a.source.specifier === '@agentstore/adapter-lmdb');

describe.each(lmdb.map((a) => [a.name, a] as const))('write-lock wake-ups: %s', (name, adapter) => {
  it('children kept waiting on the write lock report the rescue wake-ups to the parent', { timeout: 60_000 }, async () => {
    const dataDir = dirs.make(`wakeups-${name}`);
    const target = adapter.target(dataDir);
    const spi = await adapter.adapter.open({ dataDir });
    try {
      const backend = await spi.domain('hold', {
        ...commonOptionsSchema.parse({}),
        ...(adapter.adapter.optionsSchema.parse({}) as object),
      });
      const before = childWriteLockWakeups();
      const writers = Array.from({ length: WRITERS }, (_, writer) =>
        spawnChild(`wakeups-${name}-${writer}`, 'crash-writer.ts', { target, writer, round: 0, lanes: 1, seed: writer }),
      );
      await takeAll(writers, 'loaded', 60_000);
      release(writers);
      // Both write (and acknowledge each write) before the lock is taken from them.
      await Promise.all(writers.map((w) => w.take((m: Message) => m.t !== 'loaded', 30_000)));
      await backend.transact(() => blockFor(HOLD_MS));
      // A writer reports its count before the next line it writes: wait for one more line from each.
      const seen = writers.map((w) => w.messages.length);
      for (let i = 0; i < 500 && writers.some((w, j) => w.messages.length <= (seen[j] as number)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const w of writers) await w.kill();
      const woken = childWriteLockWakeups() - before;
      console.log(`[reliability] LMDB write-lock wake-ups: ${WRITERS} writers held ${HOLD_MS} ms on the lock, ${woken} wake-ups reported`);
      expect(woken).toBeGreaterThanOrEqual(WRITERS);
    } finally {
      await spi.close();
    }
  });
});
