import type { Budget } from './measure.js';
import type { Progress } from './progress.js';
import type { Results } from './results.js';

/** Sizes of one run (`full` or `quick`). */
export interface Sizes {
  /** Keys preloaded for `get` and the range scan. */
  readonly kvKeys: number;
  readonly get: Budget;
  readonly put: Budget;
  /** The ttl section's put pair: many more operations than `put`, because its target is a mean of two
   * sides a few per cent apart, which a handful of garbage-collection pauses otherwise decide. */
  readonly ttlPut: Budget;
  /** The ttl section's get pair: ten times `get`'s operations, for the same reason as `ttlPut`. */
  readonly ttlGet: Budget;
  /** Batches of 1,000 entries. */
  readonly putMany: Budget;
  /** Range scans of 1,000 entries. */
  readonly scan: Budget;
  readonly counterDurable: Budget;
  readonly counterBuffered: Budget;
  /** Trace lengths the checkpoint operations run on (short, long). */
  readonly traces: readonly [number, number];
  readonly save: Budget;
  readonly loadLatest: Budget;
  readonly list: Budget;
  /** Strict saves awaited one at a time. */
  readonly strictSerial: Budget;
  /** Rounds of 100 strict saves in flight. */
  readonly strictRounds: number;
  /** Child processes per startup measurement (median taken). */
  readonly startupRuns: number;
  /** Checkpoints already in the LangGraph thread before the peer comparison. */
  readonly peerThread: number;
  readonly peerOps: Budget;
  /** 1 MiB artifact puts awaited one at a time (no budget, and with a budget evicting on every put). */
  readonly artifactPut: Budget;
  readonly artifactEvict: Budget;
  /** 1 MiB artifact gets (hits). */
  readonly artifactGet: Budget;
  /** Rounds of 8 concurrent 1 MiB puts. */
  readonly artifactConcurrentRounds: number;
}

/** What every section gets. */
export interface Context {
  readonly sizes: Sizes;
  readonly quick: boolean;
  readonly results: Results;
  readonly progress: Progress;
  /** Sections/backends to run (`--only`): substrings matched against `section:backend`. */
  readonly only: readonly string[];
  /** Makes a fresh temporary directory, removed when the run ends. */
  tempDir(name: string): string;
}

/** Whether `section` on `backend` is selected by `--only`. */
export function selected(ctx: Context, section: string, backend: string): boolean {
  if (ctx.only.length === 0) return true;
  const id = `${section}:${backend}`;
  return ctx.only.some((o) => id.includes(o));
}

const b = (ops: number, warmup: number, maxMs: number, rounds = 2): Budget => ({ ops, warmup, maxMs, rounds });

/** Sizes of `pnpm bench`: fits in 5 minutes on 2 cores. */
export const FULL: Sizes = {
  kvKeys: 100_000,
  get: b(60_000, 5_000, 6_000, 4),
  put: b(3_000, 100, 4_000),
  ttlPut: b(30_000, 1_000, 4_000),
  ttlGet: b(600_000, 5_000, 6_000),
  putMany: b(40, 5, 6_000),
  scan: b(400, 20, 4_000),
  counterDurable: b(20_000, 500, 4_000),
  counterBuffered: b(20_000, 2_000, 3_000),
  traces: [100, 100_000],
  save: b(2_000, 100, 3_000),
  loadLatest: b(10_000, 1_000, 3_000),
  list: b(10_000, 1_000, 3_000),
  strictSerial: b(150, 10, 6_000, 2),
  strictRounds: 20,
  startupRuns: 3,
  peerThread: 1_000,
  // A warm-up of 1,000 calls per contender: V8 optimizes a JavaScript-heavy path (ours, the stock
  // savers' serde) only after several hundred calls, and 50 measured the unoptimized code.
  peerOps: b(1_000, 1_000, 3_000),
  artifactPut: b(200, 5, 2_500),
  artifactEvict: b(200, 5, 2_500),
  artifactGet: b(1_000, 20, 2_000),
  artifactConcurrentRounds: 25,
};

/** Sizes of `pnpm bench --quick`: a smoke run of a few seconds. */
export const QUICK: Sizes = {
  kvKeys: 2_000,
  get: b(500, 50, 500, 1),
  put: b(50, 5, 500, 1),
  ttlPut: b(50, 5, 500, 1),
  ttlGet: b(500, 50, 500, 1),
  putMany: b(3, 1, 500, 1),
  scan: b(10, 2, 500, 1),
  counterDurable: b(50, 5, 500, 1),
  counterBuffered: b(200, 20, 500, 1),
  traces: [100, 2_000],
  save: b(50, 5, 500, 1),
  loadLatest: b(100, 10, 500, 1),
  list: b(100, 10, 500, 1),
  strictSerial: b(10, 2, 1_000, 1),
  strictRounds: 2,
  startupRuns: 1,
  peerThread: 50,
  peerOps: b(50, 5, 500, 1),
  artifactPut: b(5, 1, 500, 1),
  artifactEvict: b(5, 1, 500, 1),
  artifactGet: b(10, 2, 500, 1),
  artifactConcurrentRounds: 2,
};

/**
 * Sizes of the postgres backend in `pnpm bench`: every write is a synchronous commit over a socket
 * (about 1–5 ms here), so smaller key sets, traces and time caps keep the whole run within 5 minutes.
 */
export const FULL_POSTGRES: Sizes = {
  ...FULL,
  kvKeys: 20_000,
  get: b(10_000, 500, 2_500, 2),
  put: b(1_000, 20, 2_000),
  ttlPut: b(1_000, 20, 2_000),
  ttlGet: b(10_000, 500, 2_500),
  putMany: b(20, 2, 2_500),
  scan: b(300, 10, 2_000),
  counterDurable: b(1_000, 20, 2_000),
  counterBuffered: b(10_000, 500, 2_000),
  traces: [100, 10_000],
  save: b(1_000, 20, 2_000),
  loadLatest: b(5_000, 200, 2_000),
  list: b(5_000, 200, 2_000),
  strictSerial: b(300, 10, 2_500),
  strictRounds: 10,
  peerThread: 1_000,
  peerOps: b(1_000, 200, 2_000),
  artifactPut: b(100, 3, 2_500),
  artifactEvict: b(100, 3, 2_500),
  artifactGet: b(300, 10, 2_000),
  artifactConcurrentRounds: 10,
};

/** Sizes of the postgres backend in `pnpm bench --quick`. */
export const QUICK_POSTGRES: Sizes = {
  ...QUICK,
  kvKeys: 1_000,
  get: b(100, 10, 500, 1),
  put: b(20, 2, 500, 1),
  ttlPut: b(20, 2, 500, 1),
  ttlGet: b(100, 10, 500, 1),
  putMany: b(2, 1, 500, 1),
  scan: b(10, 2, 500, 1),
  counterDurable: b(20, 2, 500, 1),
  counterBuffered: b(100, 10, 500, 1),
  traces: [100, 500],
  save: b(20, 2, 500, 1),
  loadLatest: b(50, 5, 500, 1),
  list: b(50, 5, 500, 1),
  strictSerial: b(10, 2, 500, 1),
  strictRounds: 2,
  peerThread: 20,
  peerOps: b(20, 2, 500, 1),
  artifactPut: b(3, 1, 500, 1),
  artifactEvict: b(3, 1, 500, 1),
  artifactGet: b(5, 1, 500, 1),
  artifactConcurrentRounds: 1,
};
