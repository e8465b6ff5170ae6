/**
 * The `fast` prefix harness (SPEC §9.2): rounds of writer processes putting sequentially numbered
 * keys in a `fast` domain, killed with SIGKILL at a random moment; after each kill the store is
 * reopened and, per writer, the surviving numbers must be exactly 0..n-1 (a prefix of what was
 * acknowledged, no hole), every write acknowledged longer than the bound before the kill must be
 * among them, and nothing never issued may be there. The same check runs on a reordering writer's
 * domain (the negative control), where it must find holes.
 */
import type { Key } from '@agentstore/core';
import { type ChildHandle, release, spawnChild } from './child.js';
import { Rng } from './random.js';
import { type StoreTarget, withStore } from './stores.js';

/** The two domains of a fast writer: its honest `fast` lane and its reordering `balanced` control. */
export const FAST_DOMAINS = { honest: 'fast_seq', control: 'fast_ctl' } as const;

/** How a set of surviving sequence numbers compares with a prefix 0..n-1. */
export interface PrefixCheck {
  /** How many numbers survived. */
  readonly count: number;
  /** The first number missing below the largest survivor (a hole), if any. */
  readonly hole: number | undefined;
  /** The largest survivor (-1 when none). */
  readonly max: number;
}

/** Checks that `survivors` (any order) are exactly 0..n-1. */
export function checkPrefix(survivors: readonly number[]): PrefixCheck {
  const sorted = [...survivors].sort((a, b) => a - b);
  let hole: number | undefined;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] !== i) {
      hole = i;
      break;
    }
  }
  return { count: sorted.length, hole, max: sorted.at(-1) ?? -1 };
}

/** What one adapter's rounds are run with. */
export interface FastPlan {
  readonly target: StoreTarget;
  readonly rounds: number;
  readonly writers: number;
  readonly seed: number;
  /**
   * A write acknowledged this long before the kill must have survived: the domain's `fastWindowMs`
   * plus slack for a batch's commit and a loaded machine's timer lateness.
   */
  readonly boundMs: number;
  /** Kill each writer this many ms after its first acknowledgement, chosen uniformly. */
  readonly killAfterMs?: readonly [number, number];
}

/** The figures of one adapter's rounds. */
export interface FastReport {
  rounds: number;
  /** Honest writes acknowledged, and how many of them survived. */
  acknowledged: number;
  survived: number;
  /** Acknowledged writes a kill took (allowed in `fast`: the unflushed window). */
  lostInWindow: number;
  /** The most acknowledged writes one writer lost in one round, and the oldest such loss's age at the kill. */
  maxLost: number;
  maxLostAgeMs: number;
  /** Rounds where some writer lost acknowledged writes (shows the writes really were behind). */
  roundsWithLoss: number;
  /** Violations: holes, survivors never issued, losses older than the bound. */
  holes: number;
  beyondIssued: number;
  lateLosses: number;
  /** The negative control: its acknowledged puts and the rounds in which the check found a hole in them. */
  control: { acknowledged: number; roundsCaught: number };
  writerErrors: number;
  problems: string[];
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sequence numbers stored under `[round, writer]` in `domain`. */
async function survivorsOf(target: StoreTarget, domain: string, round: number, writers: number): Promise<number[][]> {
  return withStore(target, async (store) => {
    const kv = store.kv<number>(domain);
    const out: number[][] = [];
    for (let writer = 0; writer < writers; writer++) {
      const found: number[] = [];
      for await (const key of kv.keys({ prefix: [round, writer] })) found.push((key as Key[])[2] as number);
      out.push(found);
    }
    return out;
  });
}

/** Runs the plan's rounds and returns its figures (it does not assert; the test does). */
export async function runFastRounds(plan: FastPlan): Promise<FastReport> {
  const { target, rounds, writers, seed, boundMs, killAfterMs = [30, 300] } = plan;
  const rng = new Rng(seed);
  const report: FastReport = {
    rounds: 0,
    acknowledged: 0,
    survived: 0,
    lostInWindow: 0,
    maxLost: 0,
    maxLostAgeMs: 0,
    roundsWithLoss: 0,
    holes: 0,
    beyondIssued: 0,
    lateLosses: 0,
    control: { acknowledged: 0, roundsCaught: 0 },
    writerErrors: 0,
    problems: [],
    ms: 0,
  };
  const problem = (text: string) => {
    if (report.problems.length < 50) report.problems.push(text);
  };
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const children: ChildHandle[] = Array.from({ length: writers }, (_, writer) =>
      spawnChild(`fast-r${round}-w${writer}`, 'fast-writer.ts', {
        target,
        writer,
        round,
        seed: (seed + round * 7_919 + writer * 104_729) >>> 0,
      }),
    );
    await Promise.all(children.map((child) => child.take('loaded', 60_000)));
    release(children);
    const killedAt = await Promise.all(
      children.map(async (child) => {
        await child.take('a', 60_000).catch(() => undefined);
        await sleep(rng.int(killAfterMs[0], killAfterMs[1]));
        const at = Date.now();
        await child.kill();
        return at;
      }),
    );
    const honest = await survivorsOf(target, FAST_DOMAINS.honest, round, writers);
    const control = await survivorsOf(target, FAST_DOMAINS.control, round, writers);
    let lossThisRound = false;
    let caughtThisRound = false;
    children.forEach((child, writer) => {
      const at = `round ${round} writer ${writer}`;
      for (const message of child.all('error')) {
        report.writerErrors++;
        problem(`${at}: writer error ${String(message.code)} ${String(message.message)}`);
      }
      if (child.exit?.signal !== 'SIGKILL') {
        report.writerErrors++;
        problem(`${at}: exited by itself (${JSON.stringify(child.exit)}): ${child.stderr.slice(-1_000)}`);
      }
      const acks = child.all<{ t: 'a'; i: number; at: number }>('a');
      const check = checkPrefix(honest[writer] ?? []);
      report.acknowledged += acks.length;
      report.survived += Math.min(check.count, acks.length);
      if (check.hole !== undefined) {
        report.holes++;
        problem(`${at}: hole at ${check.hole} (${check.count} survivors, largest ${check.max})`);
      }
      // Write i+1 is issued only after i was acknowledged: at most one survivor beyond the acknowledged.
      if (check.count > acks.length + 1) {
        report.beyondIssued++;
        problem(`${at}: ${check.count} survivors but only ${acks.length} acknowledged`);
      }
      const killAt = killedAt[writer] ?? Date.now();
      const lost = acks.filter((ack) => ack.i >= check.count);
      if (lost.length > 0) {
        lossThisRound = true;
        report.lostInWindow += lost.length;
        report.maxLost = Math.max(report.maxLost, lost.length);
        report.maxLostAgeMs = Math.max(report.maxLostAgeMs, killAt - (lost[0] as { at: number }).at);
      }
      const late = lost.filter((ack) => ack.at < killAt - boundMs);
      if (late.length > 0) {
        report.lateLosses += late.length;
        problem(`${at}: ${late.length} writes acknowledged more than ${boundMs} ms before the kill were lost (first: ${late[0]?.i})`);
      }
      report.control.acknowledged += child.all('c').length;
      if (checkPrefix(control[writer] ?? []).hole !== undefined) caughtThisRound = true;
    });
    if (lossThisRound) report.roundsWithLoss++;
    if (caughtThisRound) report.control.roundsCaught++;
    report.rounds = round + 1;
  }
  report.ms = performance.now() - started;
  return report;
}
