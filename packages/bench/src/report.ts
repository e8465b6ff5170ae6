import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from './machine.js';
import type { Row, Skipped } from './results.js';

/** Formats a rate: grouped digits above 100/s, two significant digits below. */
export function formatRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(2);
}

/** Formats a latency given in microseconds. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us < 1000) return `${us < 10 ? us.toFixed(2) : us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

const ratio = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '' : `${r.toFixed(2)}×`);

function targetCell(row: Row): string {
  return (row.targets ?? []).map((t) => `${t.pass ? 'pass' : '**MISS**'}: ${t.text}`).join('; ');
}

/** The markdown table of every row, one line per row. */
export function markdownTable(rows: readonly Row[]): string {
  const head = ['section', 'operation', 'backend', 'impl', 'ops/s', 'p50', 'p99', 'ops/s ratio', 'p50 ratio', 'target', 'note'];
  const numeric = new Set(['ops/s', 'p50', 'p99', 'ops/s ratio', 'p50 ratio']);
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((h) => (numeric.has(h) ? '---:' : '---')).join(' | ')} |`];
  for (const row of rows) {
    const s = row.summary;
    const cells = [
      row.section,
      row.op,
      row.backend,
      row.impl,
      s ? formatRate(s.opsPerSec) : '—',
      s ? formatMicros(s.p50Us) : '—',
      s ? formatMicros(s.p99Us) : '—',
      ratio(row.ratio),
      ratio(row.p50Ratio),
      targetCell(row),
      row.note ?? '',
    ];
    lines.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Everything a run prints and saves. */
export interface RunReport {
  readonly machine: Machine;
  readonly mode: 'full' | 'quick';
  readonly argv: readonly string[];
  readonly durationMs: number;
  readonly rows: readonly Row[];
  readonly skipped: readonly Skipped[];
  /** Wall time of each section on each backend, set-up (preloads, fills) included. */
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly ms: number }>;
}

/** The text printed on stdout: machine line, table, target summary and skipped sections. */
export function renderReport(report: RunReport): string {
  const m = report.machine;
  const out = [
    `## agentstore bench (${report.mode})`,
    '',
    `${m.date} · Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.memoryGb} GB · load ${m.loadAverage.join(' ')} · commit ${m.commit?.slice(0, 10) ?? 'unknown'}${m.dirty ? ' (dirty tree)' : ''} · ${m.loadedFrom} · ${(report.durationMs / 1000).toFixed(1)} s`,
    '',
    markdownTable(report.rows),
  ];
  const checks = report.rows.flatMap((r) => (r.targets ?? []).map((t) => ({ r, t })));
  const missed = checks.filter((c) => !c.t.pass);
  out.push('', `Targets (reported, not asserted): ${checks.length - missed.length} of ${checks.length} met.`);
  for (const { r, t } of missed) out.push(`- MISS ${r.section} · ${r.op} · ${r.backend}: ${t.text}`);
  for (const s of report.skipped) out.push(`- skipped ${s.section}: ${s.reason}`);
  return `${out.join('\n')}\n`;
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the first path. */
export function writeJson(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const stamp = report.machine.date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${stamp}${report.mode === 'quick' ? '-quick' : ''}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}
