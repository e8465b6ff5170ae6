/**
 * `pnpm bench [--quick] [--only <section:backend>,…] [--out <dir>]`: runs agentstore against the
 * raw drivers (and LangGraph's SqliteSaver) in one process, prints a markdown table on stdout and
 * writes the numbers to `<out>/<timestamp>.json` and `<out>/latest.json`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKENDS, openBackend } from './backends.js';
import { type Context, FULL, QUICK, selected } from './context.js';
import { describeMachine } from './machine.js';
import { Progress } from './progress.js';
import { renderReport, writeJson } from './report.js';
import { Results } from './results.js';
import { checkpointSection, groupCommitSection } from './sections/checkpoints.js';
import { kindsSection } from './sections/kinds.js';
import { kvSection } from './sections/kv.js';
import { langgraphSection, loadAgentstoreSaver } from './sections/langgraph.js';
import { startupSection } from './sections/startup.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(
    'usage: pnpm bench [--quick] [--only kv:sqlite,checkpoints,startup,…] [--out dir]\n' +
      'sections: kv, checkpoints, group-commit, langgraph, startup; backends: memory, sqlite, lmdb, level\n',
  );
  process.exit(0);
}

const started = Date.now();
const base = mkdtempSync(join(os.tmpdir(), 'agentstore-bench-'));
const cleanup = () => rmSync(base, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const results = new Results();
const phases: Array<{ phase: string; ms: number }> = [];
/**
 * Runs one phase and records its wall time (set-up included). A phase that fails is reported as
 * skipped with its error, and the run goes on: one broken section must not lose the others' numbers.
 */
async function phase(name: string, run: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  try {
    await run();
  } catch (err) {
    results.skip(name, `failed: ${(err as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
  }
  phases.push({ phase: name, ms: Date.now() - t0 });
}
const ctx: Context = {
  sizes: values.quick ? QUICK : FULL,
  quick: values.quick === true,
  results,
  progress: new Progress(),
  only: values.only.flatMap((o) => o.split(',')).filter(Boolean),
  tempDir: (name) => mkdtempSync(join(base, `${name}-`)),
};

try {
  const saver = await loadAgentstoreSaver();
  if (typeof saver === 'string') results.skip('langgraph', saver);
  for (const name of BACKENDS) {
    const wanted = ['kv', 'checkpoints', 'group-commit', 'kinds', 'langgraph'].filter((s) => selected(ctx, s, name));
    if (wanted.length === 0) continue;
    const b = await openBackend(ctx, name);
    if (typeof b === 'string') {
      results.skip(name, b);
      continue;
    }
    const targets = name !== 'memory';
    try {
      if (wanted.includes('kv')) {
        await phase(`kv:${name}`, () =>
          kvSection(ctx, { backend: name, agentstore: b.kv, buffered: b.bufferedKv, raw: b.raw.kv, rawLabel: b.raw.label, targets }),
        );
      }
      if (wanted.includes('checkpoints')) {
        await phase(`checkpoints:${name}`, () =>
          checkpointSection(ctx, { backend: name, agentstore: b.checkpoints, raw: b.raw.checkpoints, rawLabel: b.raw.label, targets }),
        );
      }
      const strictRaw = b.raw.strictCheckpoints;
      if (wanted.includes('group-commit') && strictRaw) {
        await phase(`group-commit:${name}`, () =>
          groupCommitSection(ctx, {
            backend: name,
            agentstore: b.strictCheckpoints,
            raw: strictRaw,
            rawLabel: b.raw.label,
            targets,
          }),
        );
      }
      if (wanted.includes('kinds')) await phase(`kinds:${name}`, () => kindsSection(ctx, name, b.store));
      if (wanted.includes('langgraph') && (name === 'sqlite' || name === 'lmdb') && typeof saver !== 'string') {
        await phase(`langgraph:${name}`, () => langgraphSection(ctx, name, b.store, saver));
      }
    } finally {
      await b.close();
    }
    globalThis.gc?.();
  }
  if (selected(ctx, 'startup', 'sqlite+lmdb+level')) await phase('startup', () => startupSection(ctx));

  const report = {
    machine: describeMachine(),
    mode: ctx.quick ? ('quick' as const) : ('full' as const),
    argv: process.argv.slice(2),
    durationMs: Date.now() - started,
    rows: results.rows,
    skipped: results.skipped,
    phases,
  };
  process.stdout.write(renderReport(report));
  const outDir = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
  const file = writeJson(outDir, report);
  process.stdout.write(`\nResults: ${file}\n`);
} finally {
  cleanup();
}
