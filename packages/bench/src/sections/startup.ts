import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../context.js';
import { REPO_ROOT } from '../machine.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'startup-child.mjs');
const PACKAGES = ['core', 'adapter-sqlite', 'adapter-lmdb', 'adapter-level'];

/**
 * Built JavaScript is what users start, so children load `dist` when TypeScript's own build check
 * (`tsc -b --dry`) says every package's build is current (it compares contents, not file times, which
 * a checkout or stash changes); otherwise both children (bare and store) run the TypeScript sources
 * through tsx, and the row says so.
 */
function loader(): { args: string[]; name: string } {
  const dirs = PACKAGES.map((p) => join(REPO_ROOT, 'packages', p));
  let built = dirs.every((dir) => existsSync(join(dir, 'dist', 'index.js')));
  if (built) {
    const tsc = createRequire(join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const dry = spawnSync(process.execPath, [tsc, '-b', '--dry', ...dirs], { encoding: 'utf8', timeout: 60_000 });
    built = dry.status === 0 && !/would build project/.test(dry.stdout);
  }
  return built ? { args: [], name: 'built dist' } : { args: ['--conditions=source', '--import', 'tsx'], name: 'TS sources via tsx' };
}

interface Sample {
  readonly ms: number;
  readonly rss: number;
}

function runChild(args: string[], mode: string, dataDir: string): Sample {
  const child = spawnSync(process.execPath, [...args, CHILD, mode, dataDir], {
    cwd: join(REPO_ROOT, 'packages', 'bench'),
    encoding: 'utf8',
    timeout: 180_000,
  });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || !line)
    throw new Error(`startup child (${mode}) failed: ${child.stderr || child.error?.message || `exit ${child.status}`}`);
  return JSON.parse(line) as Sample;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

/**
 * Time from process start until a store with three adapters is open and one domain on each was
 * read, and the resident memory then, minus the same figures of a bare Node process (median of
 * several runs, bare and store alternating). The data directory exists already (made by an
 * untimed first run), as when an agent restarts.
 */
export async function startupSection(ctx: Context): Promise<void> {
  const { args, name } = loader();
  const dataDir = ctx.tempDir('startup');
  ctx.progress.step(`startup · ${ctx.sizes.startupRuns} runs (${name})`);
  runChild(args, 'bare', dataDir);
  runChild(args, 'store', dataDir);
  const bare: Sample[] = [];
  const store: Sample[] = [];
  for (let i = 0; i < ctx.sizes.startupRuns; i++) {
    bare.push(runChild(args, 'bare', dataDir));
    store.push(runChild(args, 'store', dataDir));
  }
  const mb = (b: number) => b / 2 ** 20;
  const bareMs = median(bare.map((s) => s.ms));
  const bareRss = mb(median(bare.map((s) => s.rss)));
  const storeMs = median(store.map((s) => s.ms));
  const storeRss = mb(median(store.map((s) => s.rss)));
  const base = { section: 'startup', op: 'open store (sqlite + lmdb + level), touch 3 domains', backend: 'sqlite+lmdb+level' };
  ctx.results.add({
    ...base,
    impl: 'node (bare)',
    note: `${bareMs.toFixed(1)} ms to first line, RSS ${bareRss.toFixed(1)} MB (${name})`,
    extra: { timeMs: bareMs, rssMb: bareRss, loader: name, runs: ctx.sizes.startupRuns },
  });
  ctx.results.add({
    ...base,
    impl: 'agentstore',
    note: `+${(storeMs - bareMs).toFixed(1)} ms, +${(storeRss - bareRss).toFixed(1)} MB RSS over bare node (${name})`,
    extra: {
      timeMs: storeMs - bareMs,
      rssMb: storeRss - bareRss,
      absoluteTimeMs: storeMs,
      absoluteRssMb: storeRss,
      loader: name,
      runs: ctx.sizes.startupRuns,
    },
  });
}
