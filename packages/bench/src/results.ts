import type { Summary } from './stats.js';

/** A target from issue 5, evaluated on one row: reported, never asserted. */
export interface TargetCheck {
  /** What the target asks, e.g. `p50 ≤ 1.5× raw`. */
  readonly text: string;
  readonly pass: boolean;
}

/** One line of the table. */
export interface Row {
  /** Section: `kv`, `checkpoints`, `group commit`, `startup`, `langgraph`. */
  readonly section: string;
  /** The operation, e.g. `get`, `putMany ×1000`. */
  readonly op: string;
  /** Backend the row ran on (`memory`, `sqlite`, `lmdb`, `level`). */
  readonly backend: string;
  /** Who ran it: `agentstore`, a raw driver's name, a peer library. */
  readonly impl: string;
  /** Figures; undefined for rows that are not throughput measurements (startup). */
  readonly summary?: Summary;
  /** Throughput ratio against `baseline` (this row's ops/s ÷ the baseline's; above 1 is faster). */
  readonly ratio?: number;
  /** Median-latency ratio against `baseline` (this row's p50 ÷ the baseline's; below 1 is faster). */
  readonly p50Ratio?: number;
  /** Which row the ratios compare against. */
  readonly baseline?: string;
  /** Issue 5's targets that apply to this row. */
  readonly targets?: readonly TargetCheck[];
  /** Free text shown in the table (units of non-throughput rows, caveats). */
  readonly note?: string;
  /** Extra figures recorded in the JSON only. */
  readonly extra?: Readonly<Record<string, number | string>>;
}

/** A section that did not run, and why. */
export interface Skipped {
  readonly section: string;
  readonly reason: string;
}

/** Collects rows and skips as sections run. */
export class Results {
  readonly rows: Row[] = [];
  readonly skipped: Skipped[] = [];

  add(row: Row): Row {
    this.rows.push(row);
    return row;
  }

  skip(section: string, reason: string): void {
    this.skipped.push({ section, reason });
  }
}

/**
 * The agentstore row of a pair, with ratios against the baseline's summary. `latencyTarget` and
 * `throughputTarget` are issue 5's thresholds for this row, when it has one.
 */
export function comparedRow(
  base: Omit<Row, 'impl' | 'summary' | 'ratio' | 'p50Ratio' | 'baseline'>,
  ours: Summary,
  theirs: Summary,
  baselineLabel: string,
  impl = 'agentstore',
): Row {
  return {
    ...base,
    impl,
    summary: ours,
    ratio: theirs.opsPerSec > 0 ? ours.opsPerSec / theirs.opsPerSec : Number.NaN,
    p50Ratio: theirs.p50Us > 0 ? ours.p50Us / theirs.p50Us : Number.NaN,
    baseline: baselineLabel,
  };
}
