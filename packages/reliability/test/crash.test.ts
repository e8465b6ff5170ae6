/**
 * Issues 2 and 4: writers killed with SIGKILL at random moments lose no acknowledged write and corrupt
 * nothing, on every persistent adapter in `balanced` and `strict`. 3 writer processes per round where
 * the adapter is multi-process, else 1. After the rounds, the backend's own integrity check (SQLite
 * `PRAGMA integrity_check`) and a full read and decode of every domain, key and value.
 *
 * The negative control runs inside the same rounds: every writer also acknowledges puts to a domain
 * of its own *before* making them, under the same kills and the same verification; each combination
 * must catch it losing writes, or the harness could not see a loss and the zeros would mean nothing.
 *
 * `AGENTSTORE_CRASH_ROUNDS` sets the rounds per combination (default 50); `AGENTSTORE_CRASH_SEED`
 * replays a run (the seed is printed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { persistentAdapters, writersFor } from './harness/adapters.js';
import { killAllChildren, writeLockWakeups } from './harness/child.js';
import { type CrashReport, runCrashRounds } from './harness/crash-rounds.js';
import { recordFigures } from './harness/figures.js';
import { checkIntegrity, type IntegrityReport } from './harness/integrity.js';
import { seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';

const ROUNDS = roundsFromEnv();
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const DURABILITIES = ['balanced', 'strict'] as const;

function roundsFromEnv(): number {
  const raw = process.env.AGENTSTORE_CRASH_ROUNDS;
  if (raw === undefined || raw === '') return 50;
  const rounds = Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`AGENTSTORE_CRASH_ROUNDS must be a positive integer, got ${raw}`);
  return rounds;
}

function summary(label: string, writers: number, r: CrashReport, i: IntegrityReport): string {
  return (
    `[reliability] crash ${label}: ${r.rounds} rounds × ${writers} writer${writers === 1 ? '' : 's'}, ` +
    `acknowledged ${r.acknowledged} (checkpoints ${r.checkpoints}, puts ${r.puts}, counter updates ${r.counterUpdates}), ` +
    `lost ${r.lost}, corrupt ${r.corrupt}, writer errors ${r.writerErrors}, stalled writers ${r.stalledWriters}; ` +
    `negative control: ${r.control.acknowledged} acknowledged early, ${r.control.lost} lost, caught in ${r.control.roundsCaught}/${r.rounds} rounds; ` +
    `integrity: ${i.engineCheck} → ${i.engineFaults.length} faults, full read of ${i.domains} domains, ${i.records} records, ${i.readFaults.length} faults; ` +
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
  it(`${ROUNDS} rounds of SIGKILL at random moments lose and corrupt nothing acknowledged; the negative control is caught`, {
    timeout: 120_000 + ROUNDS * 10_000,
  }, async () => {
    const target = adapter.target(dirs.make(`crash-${adapter.name}-${durability}`), { durability });
    const wakeupsBefore = writeLockWakeups();
    const report = await runCrashRounds({
      target,
      rounds: ROUNDS,
      writers,
      seed: (SEED + cases.findIndex((c) => c[0] === label) * 1_000_003) >>> 0,
    });
    const integrity = await checkIntegrity(target, adapter.name);
    console.log(summary(label, writers, report, integrity));
    recordFigures(`crash ${label}`, {
      adapter: adapter.name,
      'kill rounds': report.rounds,
      'writer processes': report.rounds * writers,
      acknowledged: report.acknowledged,
      lost: report.lost,
      corrupt: report.corrupt,
      'writer errors': report.writerErrors,
      'stalled writers': report.stalledWriters,
      'records read': integrity.records,
      'integrity faults': integrity.engineFaults.length + integrity.readFaults.length,
      'control acknowledged early': report.control.acknowledged,
      'control lost': report.control.lost,
      'control caught (rounds)': report.control.roundsCaught,
      'LMDB write-lock wake-ups': writeLockWakeups() - wakeupsBefore,
      seconds: Math.round(report.ms / 100) / 10,
    });
    expect(report.problems).toEqual([]);
    expect(report.rounds).toBe(ROUNDS);
    expect(report.lost).toBe(0);
    expect(report.corrupt).toBe(0);
    expect(integrity.engineFaults).toEqual([]);
    expect(integrity.readFaults).toEqual([]);
    // Everything acknowledged is among what the full read found (the control's survivors add to it).
    expect(integrity.records).toBeGreaterThanOrEqual(report.checkpoints + report.puts);
    // The rounds really wrote something worth checking.
    expect(report.checkpoints).toBeGreaterThan(ROUNDS);
    expect(report.puts).toBeGreaterThan(0);
    expect(report.counterUpdates).toBeGreaterThan(0);
    // The harness sees a loss when there is one: the early-acknowledging loop was caught.
    expect(report.control.lost).toBeGreaterThan(0);
  });
});
