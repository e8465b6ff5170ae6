/**
 * `pnpm reliability [--report] [--out <file>] [filters…]` from the workspace root: runs the reliability
 * suite (packages/reliability, PostgreSQL's connection-loss test and the trust tests of the CLI and
 * the adapters listed in FULL_SUITE) with vitest, or only the test files
 * matching `filters` (vitest's own file filters). With `--report` it collects what each test measured
 * (`test/harness/figures.ts` writes one JSON file per `recordFigures` call into a fresh results
 * directory), the per-test outcomes (vitest's JSON reporter) and the child processes spawned, and writes
 * a markdown report with the commit, whether the tree was clean, the date and the machine to
 * packages/reliability/RESULTS.md (or `--out`). Exits with vitest's exit code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FigureRecord } from '../test/harness/figures.js';
import { type RunInfo, renderReport, type VitestJson } from './render-report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * What a run without filters covers: this package, PostgreSQL's connection loss, and the trust cases
 * that live beside the code they test (import and restore, damaged files, links inside dataDir).
 */
const FULL_SUITE = [
  'packages/reliability',
  'packages/adapter-postgres/test/connection-loss.test.ts',
  'packages/cli/test/import-atomic.test.ts',
  'packages/cli/test/import-kill.test.ts',
  'packages/cli/test/restore-safety.test.ts',
  'packages/cli/test/damage-table.test.ts',
  'packages/adapter-sqlite/test/paths.test.ts',
  'packages/adapter-lmdb/test/paths.test.ts',
  'packages/adapter-level/test/paths.test.ts',
];

function parseArgs(argv: readonly string[]): { report: boolean; out: string; filters: string[] } {
  let report = false;
  let out = join(ROOT, 'packages/reliability/RESULTS.md');
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--report') report = true;
    else if (arg === '--out') out = resolve(argv[++i] ?? '');
    else if (arg === '--') continue;
    else filters.push(arg);
  }
  return { report, out, filters };
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

function main(): number {
  const { report, out, filters } = parseArgs(process.argv.slice(2));
  const results = mkdtempSync(join(tmpdir(), 'agentstore-rel-results-'));
  const vitestJson = join(results, 'vitest.json');
  const spawnLog = join(results, 'spawned.log');
  const commit = git('rev-parse', '--short', 'HEAD');
  const clean = git('status', '--porcelain', '--untracked-files=no') === '';
  const startedAt = new Date();
  const load = loadavg()[0] ?? 0;
  const started = performance.now();
  const run = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      ...(filters.length > 0 ? filters : FULL_SUITE),
      ...(report ? ['--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`] : []),
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...(report ? { AGENTSTORE_REL_RESULTS: results, AGENTSTORE_REL_SPAWN_LOG: spawnLog } : {}) },
    },
  );
  const code = run.status ?? 1;
  if (!report) {
    rmSync(results, { recursive: true, force: true });
    return code;
  }
  if (!existsSync(vitestJson)) {
    console.error(`reliability report: vitest wrote no results (exit ${code}); ${out} left as it was`);
    return code || 1;
  }
  const records: FigureRecord[] = readdirSync(results)
    .filter((f) => /^\d+-\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as FigureRecord);
  const info: RunInfo = {
    commit,
    clean,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    load,
    scope: filters.length > 0 ? { subset: filters } : { full: FULL_SUITE },
    spawned: existsSync(spawnLog) ? readFileSync(spawnLog, 'utf8').split('\n').filter(Boolean).length : 0,
  };
  const vitest = JSON.parse(readFileSync(vitestJson, 'utf8')) as VitestJson;
  writeFileSync(out, renderReport(info, vitest, records, ROOT));
  rmSync(results, { recursive: true, force: true });
  console.log(`reliability report: ${relative(process.cwd(), out) || out} (commit ${commit}${clean ? '' : ', uncommitted changes'})`);
  return code;
}

process.exitCode = main();
