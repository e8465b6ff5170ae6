import type { Store } from '@agentstore/core';
import type { Context } from '../context.js';
import type { Summary } from '../stats.js';
import { runPair } from './pair.js';

const PRELOAD = 2_000;
const HOUR = 3_600_000;

/** Issue 18's target: TTL costs at most 10 % of a kv get or put, in throughput and in median latency. */
const costAtMost10 = (ours: Summary, theirs: Summary) => [
  { text: 'TTL cost ≤ 10 % (ops/s)', pass: ours.opsPerSec >= 0.9 * theirs.opsPerSec },
  { text: 'TTL cost ≤ 10 % (p50)', pass: ours.p50Us <= 1.1 * theirs.p50Us },
];

/**
 * What a time-to-live costs (SPEC §9.4): kv get of records written with a TTL against records written
 * without one, and kv put with `ttlMs` against a plain put, on one backend. The two sides alternate op
 * by op: the difference sought is a few per cent, less than what a burst of load on a shared machine
 * (or one slow disk sync) does to a round of thousands of operations.
 */
export async function ttlSection(ctx: Context, backend: string, store: Store): Promise<void> {
  // One domain for both sides, so the comparison is of the records, not of two tables or files:
  // keys [0, PRELOAD) hold records written without a TTL, keys [PRELOAD, 2 × PRELOAD) with one.
  const kv = store.kv<{ n: number }>('bench_ttl');
  for (let i = 0; i < PRELOAD; i += 500) {
    await kv.putMany(Array.from({ length: 500 }, (_, j) => [i + j, { n: i + j }] as const));
    await kv.putMany(
      Array.from({ length: 500 }, (_, j) => [PRELOAD + i + j, { n: i + j }] as const),
      { ttlMs: HOUR },
    );
  }
  const pair = {
    section: 'ttl',
    backend,
    impl: 'with TTL',
    baselineLabel: 'without TTL',
    targets: costAtMost10,
    interleave: 'op',
  } as const;
  await runPair(
    ctx,
    { ...pair, op: 'kv get', budget: ctx.sizes.ttlGet, note: 'records written with ttlMs (1 h) vs without, one domain' },
    (i) => kv.get(PRELOAD + (i % PRELOAD)),
    (i) => kv.get(i % PRELOAD),
  );
  let next = 2 * PRELOAD;
  await runPair(
    ctx,
    { ...pair, op: 'kv put', budget: ctx.sizes.ttlPut, note: 'put(key, value, { ttlMs }) vs put(key, value), one domain' },
    () => kv.put(next++, { n: next }, { ttlMs: HOUR }),
    () => kv.put(next++, { n: next }),
  );
}
