/**
 * Issue 2 (and issue 4's harness): writers killed with SIGKILL at random moments lose no acknowledged
 * write and corrupt nothing, on every persistent adapter in `balanced` and `strict`. 3 writer
 * processes per round where the adapter is multi-process, else 1. `AGENTSTORE_CRASH_ROUNDS` raises the
 * rounds (default 20); `AGENTSTORE_CRASH_SEED` replays a run (the seed is printed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { persistentAdapters, writersFor } from './harness/adapters.js';
import { killAllChildren } from './harness/child.js';
import { type CrashReport, runCrashRounds } from './harness/crash-rounds.js';
import { seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';

const ROUNDS = roundsFromEnv();
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const DURABILITIES = ['balanced', 'strict'] as const;

function roundsFromEnv(): number {
  const raw = process.env.AGENTSTORE_CRASH_ROUNDS;
  if (raw === undefined || raw === '') return 20;
  const rounds = Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`AGENTSTORE_CRASH_ROUNDS must be a positive integer, got ${raw}`);
  return rounds;
}

function summary(label: string, writers: number, r: CrashReport): string {
  return (
    `[reliability] crash ${label}: ${r.rounds} rounds × ${writers} writer${writers === 1 ? '' : 's'}, ` +
    `acknowledged ${r.acknowledged} (checkpoints ${r.checkpoints}, puts ${r.puts}, counter updates ${r.counterUpdates}), ` +
    `lost ${r.lost}, corrupt ${r.corrupt}, writer errors ${r.writerErrors}, final full read ${r.finalRecords} records, ` +
    `${(r.ms / 1000).toFixed(1)} s (load ${(r.phases.loadMs / 1000).toFixed(1)}, write ${(r.phases.writeMs / 1000).toFixed(1)}, ` +
    `verify ${(r.phases.verifyMs / 1000).toFixed(1)}), seed ${SEED}`
  );
}

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const cases = persistentAdapters.flatMap((adapter) =>
  DURABILITIES.map((durability) => [`${adapter.name}/${durability}`, adapter, durability] as const),
);

describe.each(cases)('crash: %s', (label, adapter, durability) => {
  const writers = writersFor(adapter);
  it(`${ROUNDS} rounds of SIGKILL at random moments lose and corrupt nothing acknowledged`, {
    timeout: 60_000 + ROUNDS * 20_000,
  }, async () => {
    const report = await runCrashRounds({
      target: adapter.target(dirs.make(`crash-${adapter.name}-${durability}`), { durability }),
      rounds: ROUNDS,
      writers,
      seed: (SEED + cases.findIndex((c) => c[0] === label) * 1_000_003) >>> 0,
    });
    console.log(summary(label, writers, report));
    expect(report.problems).toEqual([]);
    expect(report.rounds).toBe(ROUNDS);
    expect(report.lost).toBe(0);
    expect(report.corrupt).toBe(0);
    // The rounds really wrote something worth checking.
    expect(report.checkpoints).toBeGreaterThan(ROUNDS);
    expect(report.puts).toBeGreaterThan(0);
    expect(report.counterUpdates).toBeGreaterThan(0);
  });
});

// The harness can see a loss: a writer that acknowledges before it writes is caught within a few rounds.
const control = persistentAdapters[0];
describe.runIf(control !== undefined)('crash harness negative control', () => {
  it('catches a writer that acknowledges before it writes', { timeout: 120_000 }, async () => {
    if (control === undefined) return;
    const report = await runCrashRounds({
      target: control.target(dirs.make('crash-control'), { durability: 'balanced' }),
      rounds: 5,
      writers: 1,
      seed: SEED,
      ackEarly: true,
    });
    console.log(
      `[reliability] crash negative control on ${control.name}: ${report.rounds} rounds, acknowledged ${report.acknowledged}, lost ${report.lost} (must be > 0)`,
    );
    expect(report.lost).toBeGreaterThan(0);
  });
});
