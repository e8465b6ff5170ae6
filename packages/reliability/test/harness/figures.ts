/**
 * The figures a test measured, for `pnpm reliability --report` (scripts/report.ts): when
 * `AGENTSTORE_REL_RESULTS` names a directory, each call writes one JSON file there with the test file,
 * the test's name, a label and the figures; otherwise it does nothing (the `[reliability]` line a test
 * prints says the same for a reader of the log).
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';

/** One test's figures: counts, or short texts (an adapter, a seed). */
export type Figures = Record<string, number | string>;

/** What one `recordFigures` call writes. */
export interface FigureRecord {
  /** Test file name (`crash.test.ts`). */
  readonly file: string;
  /** Full name of the test that recorded it. */
  readonly test: string;
  /** What was measured (`crash lmdb/strict`). */
  readonly label: string;
  readonly figures: Figures;
}

let written = 0;

/** Records `figures` under `label` for the report (see the file comment). */
export function recordFigures(label: string, figures: Figures): void {
  const dir = process.env.AGENTSTORE_REL_RESULTS;
  if (!dir) return;
  const state = expect.getState();
  const record: FigureRecord = {
    file: basename(state.testPath ?? 'unknown'),
    test: state.currentTestName ?? label,
    label,
    figures,
  };
  writeFileSync(join(dir, `${process.pid}-${++written}.json`), `${JSON.stringify(record)}\n`);
}
