/**
 * The thread-TTL sweep under SIGKILL: a process sweeping expired threads (two namespaces, large
 * channel values, up to 700 pending writes each, so one thread takes several delete transactions) is
 * killed mid-sweep. After every kill a reopened saver shows every live thread exactly as before, shows
 * nothing of an expired thread (getTuple, list by thread and across threads), and an expired thread
 * still holding keys still holds its expiry (so nothing of it is reachable without it); a second
 * sweep then removes every key of every expired thread and nothing of the live ones. The sweeper is
 * killed after a random number of its delete transactions, so most kills land inside one thread's
 * deletion. Negative controls: a live thread with one write removed fails the same check, and so does
 * an unswept expired thread whose expiry is removed. `AGENTSTORE_TTL_SWEEP_CRASH_ROUNDS` sets the
 * rounds (default 3).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Key, rawCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { collect, keysOf } from './support/history.js';
import { killWorker } from './support/kill-worker.js';
import { openStore } from './support/stores.js';
import { seedThread, threadView } from './support/ttl-threads.js';

const ROUNDS = Number(process.env.AGENTSTORE_TTL_SWEEP_CRASH_ROUNDS ?? 3);
const HOUR = 3_600_000;
const EXPIRED = 24;
const LIVE = 4;
/** Every third thread has this many pending writes (several delete pages); the others 5. */
const HEAVY_WRITES = 700;
/** What `threadView` shows of a thread that is not there. */
const INVISIBLE = JSON.stringify({ latest: [null, null], all: [] });

describe.each(['sqlite', 'lmdb', 'level'] as const)('thread TTL sweep under SIGKILL on %s', (adapter) => {
  it(`${ROUNDS} rounds: live threads whole, expired threads invisible, a second sweep finishes`, {
    timeout: 60_000 + ROUNDS * 40_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), `agentstore-ttl-sweep-crash-${adapter}-`));
    const live = new Map<string, string>();
    const problems: string[] = [];
    let midThread = 0;
    let midSweep = 0;
    let controls = 0;
    let hidden = 0;
    try {
      for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
        // Threads of both kinds interleave in key order, so the sweep visits live ones between expired ones.
        const expired = new Map<string, number>();
        {
          const { store, destroy } = await openStore(adapter, dir);
          try {
            const past = new AgentstoreSaver(store, { ttl: { defaultTtlMs: HOUR }, clock: () => Date.now() - 2 * HOUR });
            const now = new AgentstoreSaver(store, { ttl: { defaultTtlMs: HOUR } });
            for (let i = 0; i < EXPIRED; i++) {
              const thread = `t${round}-${String(i).padStart(2, '0')}`;
              expired.set(thread, await seedThread(past, store, thread, i % 3 === 0 ? HEAVY_WRITES : 5));
              if (i % (EXPIRED / LIVE) === 1) {
                await seedThread(now, store, `${thread}-live`, i % 2 === 0 ? HEAVY_WRITES : 5);
                live.set(`${thread}-live`, await threadView(now, `${thread}-live`));
              }
            }
          } finally {
            await destroy();
          }
        }
        // Killed after a random number of the sweep's delete transactions (each expired thread takes 4 to
        // 6), so the kill lands inside a thread's deletion as often as not; never after the last thread.
        const target = 1 + Math.floor(Math.random() * (EXPIRED - 2) * 4);
        let ops = 0;
        const run = await killWorker(
          'ttl-sweeper.ts',
          [dir, adapter, String(HOUR)],
          (line) => (line.startsWith('op ') && ++ops >= target) || line === `swept ${EXPIRED}`,
        );
        if (run.signal !== 'SIGKILL') problems.push(`round ${round}: the sweeper was not killed (${run.signal}): ${run.stderr}`);

        const { store, destroy } = await openStore(adapter, dir);
        try {
          const saver = new AgentstoreSaver(store, { ttl: { defaultTtlMs: HOUR } });
          const check = async (at: string) => {
            const out: string[] = [];
            for (const [thread, view] of live)
              if ((await threadView(saver, thread)) !== view) out.push(`${at}: live thread ${thread} changed`);
            const listed = new Set((await collect(saver.list({}))).map((t) => t.config.configurable?.thread_id as string));
            for (const thread of expired.keys()) {
              if (listed.has(thread)) out.push(`${at}: expired thread ${thread} listed across threads`);
              if ((await threadView(saver, thread)) !== INVISIBLE) out.push(`${at}: expired thread ${thread} visible`);
            }
            for (const thread of live.keys()) if (!listed.has(thread)) out.push(`${at}: live thread ${thread} not listed across threads`);
            return out;
          };
          problems.push(...(await check(`round ${round} after the kill`)));
          let left = 0;
          let cut = 0;
          for (const [thread, seeded] of expired) {
            const keys = await keysOf(store, 'checkpoints', [thread]);
            if (keys.length > 0) left++;
            if (keys.length > 0 && keys.length < seeded) cut++;
            // The expiry goes last: while any key of the thread is left, the expiry that hides it is too.
            if (keys.length > 0 && JSON.stringify(keys[0]) !== JSON.stringify([thread, 0]))
              problems.push(`round ${round}: expired thread ${thread} keeps ${keys.length} keys without its expiry`);
          }
          midThread += cut;
          // Cut short: expired threads left to sweep, and some deleted or one half deleted.
          if (left > 0 && (left < EXPIRED || cut > 0)) midSweep++;

          // Negative control: a live thread missing one pending write fails the check.
          const [victim] = live.keys();
          const raw = store.kv('checkpoints', { codec: rawCodec });
          const writeKey = (await keysOf(store, 'checkpoints', [victim as string, 1])).find((k) => (k as unknown[]).length === 6) as Key;
          const saved = (await raw.get(writeKey)) as Uint8Array;
          await raw.delete(writeKey);
          if ((await check('control')).some((p) => p.includes(`live thread ${victim} changed`))) controls++;
          else problems.push(`round ${round}: the check did not see a lost write`);
          await raw.put(writeKey, saved);
          // And an expired thread the sweep has not finished, without the expiry that hides it, is seen.
          const unswept = [...expired.keys()].reverse();
          for (const thread of unswept) {
            const expiry = await raw.get([thread, 0]);
            if (expiry === undefined) continue;
            await raw.delete([thread, 0]);
            const seen = (await check('control')).some((p) => p.includes(`expired thread ${thread} visible`));
            const stranded = (await keysOf(store, 'checkpoints', [thread])).length > 0;
            if (seen && stranded) hidden++;
            else problems.push(`round ${round}: the check did not see expired thread ${thread} without its expiry`);
            await raw.put([thread, 0], expiry);
            break;
          }

          // A second sweep finishes the job and touches nothing live.
          const deleted = await saver.sweepExpired();
          if (deleted !== left) problems.push(`round ${round}: the second sweep deleted ${deleted} threads, ${left} were left`);
          for (const thread of expired.keys()) {
            const keys = await keysOf(store, 'checkpoints', [thread]);
            if (keys.length > 0) problems.push(`round ${round}: expired thread ${thread} keeps ${keys.length} keys after the second sweep`);
          }
          problems.push(...(await check(`round ${round} after the second sweep`)));
        } finally {
          await destroy();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    console.log(
      `[ttl sweep crash ${adapter}] ${ROUNDS} rounds, ${live.size} live threads, killed mid-sweep ${midSweep}, mid-thread ${midThread}, controls ${controls} + ${hidden}, problems ${problems.length}`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(controls).toBe(ROUNDS);
    expect(hidden).toBe(ROUNDS);
    expect(midSweep).toBeGreaterThan(0);
  });
});
