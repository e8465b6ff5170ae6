// Process-level start-up time of the built `agentstore` bin: spawns it N times (default 15) for
// `--help` and for `stats` on a small store with domains on sqlite, lmdb and level, and prints the
// median and the slowest wall-clock time of each and, where /usr/bin/time exists, the median CPU time
// (user + system) of the process, which a loaded machine inflates far less than wall-clock time.
// Run `npx tsc -b` first. Usage: node scripts/startup-time.mjs [N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

const { createStore } = await import('@agentstore/core');
const { sqliteAdapter } = await import('@agentstore/adapter-sqlite');
const { lmdbAdapter } = await import('@agentstore/adapter-lmdb');
const { levelAdapter } = await import('@agentstore/adapter-level');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(args) {
  const wall = [];
  const cpu = [];
  const timed = existsSync(GNU_TIME);
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = timed
      ? spawnSync(GNU_TIME, ['-f', 'CPU %U %S', process.execPath, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, args, { encoding: 'utf8' });
    wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { median: median(wall), max: Math.max(...wall), cpu: cpu.length > 0 ? median(cpu) : undefined };
}

const dir = mkdtempSync(join(tmpdir(), 'agentstore-startup-'));
try {
  const store = await createStore({
    dataDir: dir,
    adapters: [sqliteAdapter, lmdbAdapter, levelAdapter],
    domains: { memory: { adapter: 'sqlite' }, checkpoints: { adapter: 'lmdb' }, events: { adapter: 'level' } },
  });
  for (let i = 0; i < 100; i++) await store.kv('memory').put(['k', i], { i });
  await store.checkpoints('checkpoints').save('t', { data: Uint8Array.of(1) });
  await store.journal('events').append('s', [1, 2, 3]);
  await store.close();

  const rows = {
    'node -e 0 (baseline)': time(['-e', '0']),
    '--help': time([bin, '--help']),
    'stats (3 adapters)': time([bin, 'stats', '--data-dir', dir]),
  };
  for (const [what, r] of Object.entries(rows)) {
    const cpu = r.cpu === undefined ? '' : `, CPU ${r.cpu.toFixed(0)} ms`;
    console.log(`${what.padEnd(22)} wall median ${r.median.toFixed(0)} ms, slowest ${r.max.toFixed(0)} ms${cpu} (${runs} runs)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
