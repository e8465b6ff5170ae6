/** The markdown of RESULTS.md, from a run's facts, vitest's JSON results and the figures the tests recorded. */
import { basename, relative } from 'node:path';
import type { FigureRecord } from '../test/harness/figures.js';

/** What is known about the run besides the tests' results. */
export interface RunInfo {
  readonly commit: string;
  /** No tracked file differed from the commit when the run started. */
  readonly clean: boolean;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** One-minute load average when the run started. */
  readonly load: number;
  readonly scope: { readonly full: readonly string[] } | { readonly subset: readonly string[] };
  /** Child processes the tests spawned (`AGENTSTORE_REL_SPAWN_LOG`). */
  readonly spawned: number;
}

/** The part of vitest's JSON reporter output the report reads. */
export interface VitestJson {
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests?: number;
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly message?: string;
    readonly assertionResults: ReadonlyArray<{
      readonly fullName: string;
      readonly status: string;
      readonly duration?: number | null;
      readonly failureMessages: readonly string[];
    }>;
  }>;
}

/** Figures summed over every test that recorded them, in this order, with what the sum means. */
const TOTALS: ReadonlyArray<readonly [key: string, meaning: string]> = [
  ['kill rounds', 'rounds of writers killed with SIGKILL (crash, journal crash, snapshot kill, artifacts)'],
  ['writer processes', 'writer processes killed in those rounds'],
  ['acknowledged', 'writes acknowledged before a kill, during open/close churn or while PostgreSQL backends were terminated'],
  ['lost', 'acknowledged writes not found afterwards'],
  ['corrupt', 'acknowledged writes found with other bytes, or reads that failed to decode'],
  ['records read', 'records read and decoded in full after the crash rounds'],
  ['integrity faults', 'engine integrity check (SQLite `PRAGMA integrity_check`) and full-read faults'],
  ['writer errors', 'errors writers reported before they were killed'],
  ['stalled writers', 'writers whose first acknowledgement came more than 10 s after `go`'],
  ['control acknowledged early', 'negative control: writes acknowledged before they were made'],
  ['control lost', 'negative control: of those, found missing (must be > 0: the harness sees a loss)'],
  ['PostgreSQL backends terminated', 'PostgreSQL backends terminated under a running workload'],
  ['LMDB write-lock wake-ups', 'wake-up signals sent by the LMDB write-lock rescue'],
  ['records freed', 'artifacts records (leases, reservations, streams) of SIGKILLed holders freed without waiting for their ttl'],
];

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const number = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : String(n));
const figureText = (figures: FigureRecord['figures']): string =>
  Object.entries(figures)
    .map(([key, value]) => `${key} ${typeof value === 'number' ? number(value) : value}`)
    .join(', ');

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function sum(records: readonly FigureRecord[], key: string): number | undefined {
  let total: number | undefined;
  for (const r of records) {
    const value = r.figures[key];
    if (typeof value === 'number') total = (total ?? 0) + value;
  }
  return total;
}

/** The LMDB write-lock rescue's section: the hangs before it, and this run's LMDB crash rounds. */
function lmdbSection(records: readonly FigureRecord[], failedLmdbCrash: number): string[] {
  const lmdb = records.filter((r) => r.label.startsWith('crash lmdb/'));
  const lines = [
    '## LMDB write-lock rescue',
    '',
    'Before the rescue (commit a94222b, `packages/adapter-lmdb/src/write-lock-rescue.ts`), about 1 crash round in',
    '50–100 hung: a writer slept 60 s in `mdb_txn_begin` on a free lock after a killed process lost its wakeup.',
    'The rescue sends a waiting process `SIGURG` once a write-lock call has lasted 250 ms.',
    '',
  ];
  if (lmdb.length === 0) return [...lines, 'This run had no LMDB crash rounds.', ''];
  const rounds = sum(lmdb, 'kill rounds') ?? 0;
  return [
    ...lines,
    '| this run | figure |',
    '| --- | --- |',
    `| LMDB crash rounds (${lmdb.map((r) => r.label.slice('crash '.length)).join(', ')}) | ${number(rounds)} |`,
    `| writer processes killed | ${number(sum(lmdb, 'writer processes') ?? 0)} |`,
    `| stalled writers (first acknowledgement after more than 10 s: a hang) | ${number(sum(lmdb, 'stalled writers') ?? 0)} |`,
    `| LMDB crash tests failed | ${failedLmdbCrash} |`,
    `| wake-up signals sent (calls that waited 250 ms on the write lock: a rescued lost wakeup, or a lock held that long by a live writer; as reported by the writers before they were killed) | ${number(sum(lmdb, 'LMDB write-lock wake-ups') ?? 0)} |`,
    '',
  ];
}

/** The whole report. */
export function renderReport(info: RunInfo, vitest: VitestJson, records: readonly FigureRecord[], root: string): string {
  const files = [...vitest.testResults].sort((a, b) => a.name.localeCompare(b.name));
  const fileOrder = new Map(files.map((f, i) => [basename(f.name), i]));
  const sorted = [...records].sort(
    (a, b) => (fileOrder.get(a.file) ?? 999) - (fileOrder.get(b.file) ?? 999) || a.label.localeCompare(b.label, 'en'),
  );
  const skipped = vitest.numPendingTests + (vitest.numTodoTests ?? 0);
  const scope =
    'full' in info.scope
      ? `the full suite (${info.scope.full.map((p) => `\`${p}\``).join(', ')})`
      : `**a subset, not a full run** (filters ${info.scope.subset.map((p) => `\`${p}\``).join(' ')})`;
  const out: string[] = [
    '# Reliability results',
    '',
    '<!-- Written by `pnpm reliability --report` (packages/reliability/scripts/report.ts): regenerate it, do not edit it. -->',
    '',
    `Run of ${info.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on commit \`${info.commit}\` ` +
      `(${info.clean ? 'clean tree' : 'with uncommitted changes'}): ${scope}. Node ${info.node}, ` +
      `${info.cpus} × ${info.cpuModel}, load average ${info.load.toFixed(1)} at the start (the machine may be shared), ` +
      `${duration(info.seconds)} wall.`,
    '',
    `**${number(vitest.numTotalTests)} tests in ${files.length} files: ${number(vitest.numPassedTests)} passed, ` +
      `${number(vitest.numFailedTests)} failed, ${number(skipped)} skipped; ${number(info.spawned)} child processes.**`,
    '',
    '## Totals',
    '',
    '| figure | total | what it counts |',
    '| --- | --- | --- |',
  ];
  for (const [key, meaning] of TOTALS) {
    const total = sum(sorted, key);
    if (total !== undefined) out.push(`| ${key} | ${number(total)} | ${meaning} |`);
  }
  out.push('');
  const failedLmdbCrash = files
    .flatMap((f) => f.assertionResults)
    .filter((t) => t.status === 'failed' && /crash: lmdb\//.test(t.fullName)).length;
  out.push(...lmdbSection(sorted, failedLmdbCrash));
  out.push('## Files', '', '| file | passed | failed | skipped | wall time |', '| --- | --- | --- | --- | --- |');
  for (const f of files) {
    const count = (status: string) => f.assertionResults.filter((t) => t.status === status).length;
    const skippedHere = count('skipped') + count('pending') + count('todo');
    out.push(
      `| \`${relative(root, f.name)}\` | ${count('passed')} | ${count('failed')} | ${skippedHere} | ${duration((f.endTime - f.startTime) / 1000)} |`,
    );
  }
  out.push('', '## Figures per test', '', '| file | what | figures |', '| --- | --- | --- |');
  for (const r of sorted) out.push(`| \`${r.file}\` | ${cell(r.label)} | ${cell(figureText(r.figures))} |`);
  const failures = files.flatMap((f) =>
    f.assertionResults.filter((t) => t.status === 'failed').map((t) => ({ file: basename(f.name), t })),
  );
  const broken = files.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  if (failures.length > 0 || broken.length > 0) {
    out.push('', '## Failures', '');
    for (const { file, t } of failures) {
      const first = (t.failureMessages[0] ?? '').split('\n')[0]?.slice(0, 300) ?? '';
      out.push(`- \`${file}\` › ${cell(t.fullName)}: ${cell(first)}`);
    }
    for (const f of broken) out.push(`- \`${basename(f.name)}\` did not run: ${cell((f.message ?? '').split('\n')[0] ?? '')}`);
  }
  out.push('');
  return out.join('\n');
}
