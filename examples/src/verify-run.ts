import type { RunReport } from './inspect-run.js';
import { sameOutcome } from './inspect-run.js';
import { TOTAL_STEPS } from './research-agent.js';
import { stepSeqs } from './research-graph.js';
import type { CrashRunReport } from './supervisor.js';

/** One named check of a crashed-and-resumed run. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * What the demo promises about a run killed with SIGKILL and resumed: nothing acknowledged before the
 * kill is lost, LangGraph continued the same thread instead of starting over or forking it, no step is
 * done twice, and the outcome equals a clean run's.
 */
export function verifyRun(crash: CrashRunReport, run: RunReport, reference: RunReport): Check[] {
  const resumeAt = crash.resumed.resumedFrom;
  const printedBefore = crash.killed.stepsPrinted;
  const lastPrinted = printedBefore.at(-1) ?? 0;
  const supersteps = run.checkpoints.map((c) => c.superstep);
  const chained = run.checkpoints.every((c, i) => c.parentId === (i === 0 ? undefined : run.checkpoints[i - 1]?.id));
  const resumedFrom = run.checkpoints.find((c) => c.id === crash.resumed.resumedCheckpoint);
  const journalSeqs = run.journal.map((e) => e.seq);
  const journalSteps = run.journal.map((e) => e.event.step);
  return [
    {
      name: 'every step printed before the kill survived it',
      ok: same(printedBefore, range(1, lastPrinted)) && resumeAt >= lastPrinted,
      detail: `printed ${printedBefore.length} step(s), resumed after step ${resumeAt}`,
    },
    {
      name: 'the restarted agent ran exactly the remaining steps',
      ok: same(crash.resumed.stepsPrinted, range(resumeAt + 1, TOTAL_STEPS)),
      detail: `ran ${crash.resumed.stepsPrinted.length > 0 ? `steps ${crash.resumed.stepsPrinted[0]}..${crash.resumed.stepsPrinted.at(-1)}` : 'no steps'}`,
    },
    {
      name: 'one thread, one checkpoint per superstep, none twice',
      ok:
        chained &&
        same(
          supersteps,
          reference.checkpoints.map((c) => c.superstep),
        ) &&
        resumedFrom !== undefined &&
        resumedFrom.step === resumeAt &&
        run.checkpoints.at(-1)?.id !== resumedFrom.id,
      detail:
        `${run.checkpoints.length} checkpoints, supersteps ${supersteps[0] ?? '-'}..${supersteps.at(-1) ?? '-'}, each the parent of the next; ` +
        `the restart extended superstep ${resumedFrom?.superstep ?? '?'}`,
    },
    {
      name: 'two journal events per step, none twice',
      ok:
        same(journalSeqs, range(1, stepSeqs(TOTAL_STEPS)[1])) &&
        same(
          journalSteps,
          journalSeqs.map((s) => Math.ceil(s / 2)),
        ),
      detail: `${run.journal.length} events, seq ${journalSeqs[0] ?? '-'}..${journalSeqs.at(-1) ?? '-'}`,
    },
    {
      name: 'every step counted once',
      ok: run.counters.steps === TOTAL_STEPS && run.counters.toolCalls === TOTAL_STEPS && run.counters.tokens === run.finalState?.tokens,
      detail: `steps ${run.counters.steps}, tool calls ${run.counters.toolCalls}, tokens ${run.counters.tokens} (state says ${run.finalState?.tokens})`,
    },
    {
      name: 'final state equals an uninterrupted run (memory adapter)',
      ok: sameOutcome(run, reference),
      detail: `digest ${run.finalState?.digest.slice(0, 16)}… vs ${reference.finalState?.digest.slice(0, 16)}…; same counters, journal and checkpoint history`,
    },
  ];
}
