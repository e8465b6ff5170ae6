import type { Context } from '../context.js';
import { type Budget, compareAlternating, compareSerial, type Op } from '../measure.js';
import { comparedRow, type Row, type TargetCheck } from '../results.js';
import type { Summary } from '../stats.js';

/** What a compared pair of rows is about. */
export interface PairSpec {
  readonly section: string;
  readonly op: string;
  readonly backend: string;
  readonly budget: Budget;
  /** The agentstore side's label (default `agentstore`). */
  readonly impl?: string;
  readonly baselineLabel: string;
  readonly note?: string;
  /** Notes computed from the figures (e.g. MB/s), for the agentstore row (after `note`) and the baseline row. */
  readonly notes?: (ours: Summary, theirs: Summary) => { readonly ours?: string; readonly theirs?: string };
  /** `op`: the two sides alternate operation by operation (`compareAlternating`), else in rounds. */
  readonly interleave?: 'op';
  /** Issue 5's targets for the agentstore row, from the two summaries. */
  readonly targets?: (ours: Summary, theirs: Summary) => TargetCheck[];
}

/**
 * Measures `ours` and `theirs` alternately and adds two rows: the baseline's, then agentstore's with
 * the ratios. Returns agentstore's row.
 */
export async function runPair(ctx: Context, spec: PairSpec, ours: Op, theirs: Op): Promise<Row> {
  const impl = spec.impl ?? 'agentstore';
  ctx.progress.step(`${spec.section} · ${spec.op} · ${spec.backend}: ${impl} vs ${spec.baselineLabel}`);
  globalThis.gc?.();
  const contenders = [
    { label: impl, op: ours },
    { label: spec.baselineLabel, op: theirs },
  ] as const;
  const [a, b] =
    spec.interleave === 'op' ? await compareAlternating(contenders, spec.budget) : await compareSerial(contenders, spec.budget);
  const oursSummary = (a as NonNullable<typeof a>).summary();
  const theirsSummary = (b as NonNullable<typeof b>).summary();
  const base = { section: spec.section, op: spec.op, backend: spec.backend };
  const notes = spec.notes?.(oursSummary, theirsSummary);
  ctx.results.add({ ...base, impl: spec.baselineLabel, summary: theirsSummary, ...(notes?.theirs ? { note: notes.theirs } : {}) });
  const targets = spec.targets?.(oursSummary, theirsSummary);
  const note = [notes?.ours, spec.note].filter(Boolean).join('; ');
  return ctx.results.add({
    ...comparedRow(
      { ...base, ...(note ? { note } : {}), ...(targets?.length ? { targets } : {}) },
      oursSummary,
      theirsSummary,
      spec.baselineLabel,
      impl,
    ),
  });
}

/** `ours` throughput at least `min` × `theirs`. */
export const throughputAtLeast =
  (min: number) =>
  (ours: Summary, theirs: Summary): TargetCheck[] => [{ text: `ops/s ≥ ${min}× raw`, pass: ours.opsPerSec >= min * theirs.opsPerSec }];
