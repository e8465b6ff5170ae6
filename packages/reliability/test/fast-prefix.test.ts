/**
 * Issue 17 item 3, SPEC §9.2: in `fast` durability a write is acknowledged once queued in the
 * process, so a SIGKILL may take the last ones; what survives of each process's acknowledged writes
 * must still be a prefix of them in acknowledgement order (never a hole), the loss bounded by the
 * window, nothing corrupt. Writers (2 processes where the adapter is multi-process, else 1) put
 * sequentially numbered keys and print each acknowledgement; the parent kills them at a random
 * moment, reopens, and checks each writer's survivors are exactly 0..n-1, that no write acknowledged
 * longer than the bound before the kill is missing, and that nothing beyond what was issued exists.
 *
 * The negative control runs in the same processes under the same kills: a writer that reorders its
 * puts (each block of 8 keys highest first) must be caught with a hole, or the check could not see one.
 *
 * `AGENTSTORE_FAST_ROUNDS` sets the rounds per adapter (default 12); `AGENTSTORE_FAST_SEED` replays a run.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { storeCases } from './harness/cases.js';
import { killAllChildren } from './harness/child.js';
import { checkPrefix, type FastReport, runFastRounds } from './harness/fast-prefix.js';
import { recordFigures } from './harness/figures.js';
import { dropSchemas, postgresDownReason } from './harness/postgres.js';
import { seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';

const ROUNDS = roundsFromEnv();
const SEED = seedFrom('AGENTSTORE_FAST_SEED');
/** The default `fastWindowMs`. */
const WINDOW_MS = 10;
/** Slack over the window for a batch's commit and timers running late on a loaded 2-core machine. */
const SLACK_MS = 1_000;

function roundsFromEnv(): number {
  const raw = process.env.AGENTSTORE_FAST_ROUNDS;
  if (raw === undefined || raw === '') return 12;
  const rounds = Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`AGENTSTORE_FAST_ROUNDS must be a positive integer, got ${raw}`);
  return rounds;
}

function summary(label: string, writers: number, r: FastReport): string {
  return (
    `[reliability] fast prefix ${label}: ${r.rounds} rounds × ${writers} writer${writers === 1 ? '' : 's'}, ` +
    `acknowledged ${r.acknowledged}, survived ${r.survived}, lost in the window ${r.lostInWindow} ` +
    `(rounds with a loss ${r.roundsWithLoss}, at most ${r.maxLost} writes, oldest ${r.maxLostAgeMs} ms before the kill); ` +
    `holes ${r.holes}, beyond issued ${r.beyondIssued}, late losses ${r.lateLosses}, writer errors ${r.writerErrors}; ` +
    `negative control: ${r.control.acknowledged} acknowledged, hole caught in ${r.control.roundsCaught}/${r.rounds} rounds; ` +
    `${(r.ms / 1000).toFixed(1)} s, seed ${SEED}`
  );
}

describe('checkPrefix', () => {
  it('accepts 0..n-1 in any order and reports the first hole otherwise', () => {
    expect(checkPrefix([])).toEqual({ count: 0, hole: undefined, max: -1 });
    expect(checkPrefix([2, 0, 1])).toEqual({ count: 3, hole: undefined, max: 2 });
    expect(checkPrefix([0, 1, 3, 4])).toEqual({ count: 4, hole: 2, max: 4 });
    expect(checkPrefix([1, 2])).toEqual({ count: 2, hole: 0, max: 2 });
  });
});

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const pgDown = await postgresDownReason();
if (pgDown) console.log(`[reliability] fast prefix: postgres skipped: ${pgDown}`);

const cases = storeCases(dirs, 'fast', schemas, pgDown);

describe.each(cases)('fast prefix: %s', (label, multiProcess, makeTarget) => {
  const writers = multiProcess ? 2 : 1;
  it(`${ROUNDS} SIGKILL rounds leave a prefix of each writer's acknowledged fast writes; the reordering control is caught`, {
    timeout: 60_000 + ROUNDS * 10_000,
  }, async () => {
    const target = makeTarget();
    const report = await runFastRounds({
      target,
      rounds: ROUNDS,
      writers,
      seed: (SEED + cases.findIndex((c) => c[0] === label) * 1_000_003) >>> 0,
      boundMs: WINDOW_MS + SLACK_MS,
    });
    console.log(summary(label, writers, report));
    recordFigures(`fast prefix ${label}`, {
      adapter: label,
      'kill rounds': report.rounds,
      'writer processes': report.rounds * writers,
      acknowledged: report.acknowledged,
      'lost in the window': report.lostInWindow,
      'rounds with a loss': report.roundsWithLoss,
      'most lost by one writer': report.maxLost,
      'oldest loss (ms before kill)': report.maxLostAgeMs,
      holes: report.holes,
      'late losses': report.lateLosses,
      'control caught (rounds)': report.control.roundsCaught,
      seconds: Math.round(report.ms / 100) / 10,
    });
    expect(report.problems).toEqual([]);
    expect(report.rounds).toBe(ROUNDS);
    expect(report.holes).toBe(0);
    expect(report.beyondIssued).toBe(0);
    expect(report.lateLosses).toBe(0);
    expect(report.writerErrors).toBe(0);
    // The rounds really wrote something worth checking.
    expect(report.acknowledged).toBeGreaterThan(ROUNDS * writers * 10);
    // The same check finds a hole when there is one: the reordering writer was caught.
    expect(report.control.acknowledged).toBeGreaterThan(0);
    expect(report.control.roundsCaught).toBeGreaterThan(0);
  });
});
