/** Issue 2: 4 processes × 10,000 durable increments of one counter = exactly 40,000, no value handed out twice. */
import { afterEach, describe, expect, it } from 'vitest';
import { multiProcessAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { redisUnderTest } from './harness/redis.js';
import { withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const PROCESSES = 4;
const INCREMENTS = 10_000;
const LANES = 4; // concurrent updates in flight per process, so group commit is exercised too

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const adapters = [...multiProcessAdapters, ...(await redisUnderTest())];
describe.each(adapters.map((a) => [a.name, a] as const))('durable counters across processes: %s', (_name, adapter) => {
  it(`${PROCESSES} × ${INCREMENTS} increments of one key sum exactly and never repeat a value`, { timeout: 240_000 }, async () => {
    const target = adapter.target(dirs.make('counters'), { counters: 'durable' });
    const started = performance.now();
    const children = Array.from({ length: PROCESSES }, (_, i) =>
      spawnChild(`counter-${i}`, 'counter-writer.ts', { target, domain: 'tally', key: 'hits', count: INCREMENTS, lanes: LANES }),
    );
    await takeAll(children, 'ready', 60_000);
    release(children);
    const reports = await takeAll<Message & { values: number[] }>(children, 'values', 180_000);
    for (const child of children) expect(await child.waitExit()).toEqual({ code: 0, signal: null });

    const all = reports.flatMap((r) => r.values);
    expect(all).toHaveLength(PROCESSES * INCREMENTS);
    const distinct = new Set(all);
    expect(distinct.size).toBe(PROCESSES * INCREMENTS);
    // Distinct values in 1..40,000, 40,000 of them: every value was handed out exactly once.
    expect(all.reduce((a, b) => Math.min(a, b))).toBe(1);
    expect(all.reduce((a, b) => Math.max(a, b))).toBe(PROCESSES * INCREMENTS);

    const final = await withStore(target, (store) => store.kv<number>('tally').get('hits'));
    expect(final).toBe(PROCESSES * INCREMENTS);
    const ms = performance.now() - started;
    console.log(
      `[reliability] counters ${adapter.name}: ${PROCESSES} processes × ${INCREMENTS} = ${final} (expected ${PROCESSES * INCREMENTS}), ` +
        `${distinct.size} distinct values, ${Math.round(ms)} ms`,
    );
    recordFigures(`counters ${adapter.name}`, { increments: PROCESSES * INCREMENTS, final: final ?? 0, 'distinct values': distinct.size });
  });
});
