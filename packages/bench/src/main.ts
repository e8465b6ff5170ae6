/**
 * `pnpm bench [--quick] [--only <section:backend>,…] [--out <dir>]`: runs agentstore against the
 * raw drivers (and LangGraph's SqliteSaver) in one process, prints a markdown table on stdout and
 * writes the numbers to `<out>/<timestamp>.json` and `<out>/latest.json`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKENDS, openBackend } from './backends.js';
import { type Context, FULL, FULL_POSTGRES, QUICK, QUICK_POSTGRES, selected } from './context.js';
import { describeMachine } from './machine.js';
import { Progress } from './progress.js';
import { renderReport, writeJson } from './report.js';
import { Results } from './results.js';
import { artifactsSection } from './sections/artifacts.js';
import { checkpointSection, groupCommitSection } from './sections/checkpoints.js';
import { fleetSection } from './sections/fleet.js';
import { guardSection } from './sections/guard.js';
import { kindsSection } from './sections/kinds.js';
import { kvSection } from './sections/kv.js';
import { langgraphSection, loadAgentstoreSaver, type PeerSaver, postgresPeer, sqlitePeer } from './sections/langgraph.js';
import { langgraphStoreSection } from './sections/langgraph-store.js';
import { observeSection } from './sections/observe.js';
import { startupSection } from './sections/startup.js';
import { threadsSection } from './sections/threads.js';
import { ttlSection } from './sections/ttl.js';
import { vectorsAnnSection, vectorsExactSection } from './sections/vectors.js';
import { dropOwnSchemas, PG_URL } from './subjects/raw-postgres.js';

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
      'sections: kv, observe, ttl, checkpoints, group-commit, kinds, artifacts, langgraph, langgraph-store, threads, vectors (memory: exact vs InMemoryStore; lmdb, sqlite: 100,000×384), startup, fleet (postgres only); backends: memory, sqlite, lmdb, level, postgres, redis\n',
  );
  process.exit(0);
}

const started = Date.now();
const base = mkdtempSync(join(os.tmpdir(), 'agentstore-bench-'));
const cleanup = () => rmSync(base, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  void dropOwnSchemas(PG_URL).finally(() => process.exit(130));
});

const results = new Results();
const phases: Array<{ phase: string; ms: number }> = [];
/**
 * Runs one phase and records its wall time (set-up included). A phase that fails is reported as
 * skipped with its error, and the run goes on: one broken section must not lose the others' numbers.
 */
async function phase(name: string, run: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  settleDisk();
  try {
    await run();
  } catch (err) {
    results.skip(name, `failed: ${(err as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
  }
  phases.push({ phase: name, ms: Date.now() - t0 });
}
/**
 * Flushes the OS's dirty pages before a phase. Without it, the kernel writes back what the previous
 * phase left (hundreds of MB after the artifacts rows) during the next one, on the same 2 cores:
 * measured right after the artifacts rows, `AgentstoreSaver.list` p50 went from 112 to 187 µs and
 * `SqliteSaver`'s from 1.83 to 2.13 ms.
 */
function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore', timeout: 60_000 });
}

const ctx: Context = {
  sizes: values.quick ? QUICK : FULL,
  quick: values.quick === true,
  results,
  progress: new Progress(),
  only: values.only.flatMap((o) => o.split(',')).filter(Boolean),
  tempDir: (name) => mkdtempSync(join(base, `${name}-`)),
};

/** Runs the wanted sections on one backend, then closes it. */
async function runBackend(name: (typeof BACKENDS)[number], saver: Awaited<ReturnType<typeof loadAgentstoreSaver>>): Promise<void> {
  // The kinds section is not run on postgres: it is not asked of that backend, and at one synchronous
  // commit per write it would cost a minute of the 5-minute budget.
  const sections =
    name === 'redis'
      ? ['kv']
      : [
          ...['kv', 'observe', 'ttl', 'guard', 'checkpoints', 'group-commit', 'artifacts', 'langgraph'],
          ...(name === 'postgres' ? [] : ['langgraph-store', 'kinds']),
        ];
  const wanted = sections.filter((s) => selected(ctx, s, name));
  if (wanted.length === 0) return;
  let b: Awaited<ReturnType<typeof openBackend>>;
  try {
    b = await openBackend(ctx, name);
  } catch (err) {
    b = `cannot be opened: ${(err as Error).message.split('\n')[0]}`;
    process.exitCode = 1;
  }
  if (typeof b === 'string') {
    results.skip(name, b);
    return;
  }
  const targets = name !== 'memory';
  // Postgres and Redis have their own (smaller) sizes: every operation is a round trip over a socket.
  const remote = name === 'postgres' || name === 'redis';
  const bctx: Context = remote ? { ...ctx, sizes: ctx.quick ? QUICK_POSTGRES : FULL_POSTGRES } : ctx;
  try {
    if (wanted.includes('kv')) {
      await phase(`kv:${name}`, () =>
        kvSection(bctx, { backend: name, agentstore: b.kv, buffered: b.bufferedKv, raw: b.raw.kv, rawLabel: b.raw.label, targets }),
      );
    }
    if (wanted.includes('observe')) await phase(`observe:${name}`, () => observeSection(bctx, name, b.store));
    if (wanted.includes('ttl')) await phase(`ttl:${name}`, () => ttlSection(bctx, name, b.store));
    if (wanted.includes('checkpoints')) {
      await phase(`checkpoints:${name}`, () =>
        checkpointSection(bctx, { backend: name, agentstore: b.checkpoints, raw: b.raw.checkpoints, rawLabel: b.raw.label, targets }),
      );
    }
    if (wanted.includes('guard')) await phase(`guard:${name}`, () => guardSection(bctx, name));
    const strictRaw = b.raw.strictCheckpoints;
    if (wanted.includes('group-commit') && strictRaw) {
      await phase(`group-commit:${name}`, () =>
        groupCommitSection(bctx, {
          backend: name,
          agentstore: b.strictCheckpoints,
          raw: strictRaw,
          rawLabel: b.raw.label,
          targets,
        }),
      );
    }
    if (wanted.includes('artifacts')) {
      await phase(`artifacts:${name}`, () =>
        artifactsSection(bctx, { backend: name, agentstore: b.artifacts, raw: b.raw.artifacts, rawLabel: b.raw.label }),
      );
    }
    const pgInfo = b.postgres;
    if (wanted.includes('langgraph') && (name === 'sqlite' || name === 'lmdb' || pgInfo) && typeof saver !== 'string') {
      await phase(`langgraph:${name}`, async () => {
        const peer: PeerSaver = pgInfo ? await postgresPeer(pgInfo.url, pgInfo.peerSchema) : sqlitePeer(ctx, name);
        try {
          await langgraphSection(bctx, name, b.store, saver, peer);
        } finally {
          await peer.close();
        }
      });
    }
    if (wanted.includes('langgraph-store')) await phase(`langgraph-store:${name}`, () => langgraphStoreSection(bctx, name, b.store));
    // Last: its baseline decodes a 61 KiB snapshot thousands of times, and rows run after it showed
    // 5-6 ms stalls (AgentstoreSaver list p99 5.6 ms against 1.7 ms when run before it).
    if (wanted.includes('kinds')) await phase(`kinds:${name}`, () => kindsSection(ctx, name, b.store));
  } finally {
    try {
      await b.close();
    } catch (err) {
      results.skip(`close:${name}`, `failed: ${(err as Error).message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
}

try {
  const saver = await loadAgentstoreSaver();
  if (typeof saver === 'string') results.skip('langgraph', saver);
  for (const name of BACKENDS) {
    await runBackend(name, saver);
    // Only now is nothing of the backend referenced (its store, data and baselines): collect it before
    // the next backend, not during it (the memory backend leaves ~85 MB of heap and 2.5 GB of buffers).
    globalThis.gc?.();
  }
  if (selected(ctx, 'threads', 'sqlite+lmdb+level+postgres')) await phase('threads', () => threadsSection(ctx));
  // Own stores per run (100,000 vectors on disk, then reopened): not part of the per-backend phases.
  if (selected(ctx, 'vectors', 'memory')) await phase('vectors:memory', () => vectorsExactSection(ctx, 'memory'));
  for (const name of ['lmdb', 'sqlite'] as const) {
    if (selected(ctx, 'vectors', name)) await phase(`vectors:${name}`, () => vectorsAnnSection(ctx, name));
  }
  if (selected(ctx, 'startup', 'sqlite+lmdb+level')) await phase('startup', () => startupSection(ctx));
  if (selected(ctx, 'fleet', 'postgres')) await phase('fleet', () => fleetSection(ctx));

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
  await dropOwnSchemas(PG_URL);
}
