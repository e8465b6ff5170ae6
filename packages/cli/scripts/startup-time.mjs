// Process-level start-up time of the built `agentstore` bin: spawns it N times (default 15) for
// `--help` and for `stats` on a small store with domains on sqlite, lmdb and level, and prints the
// median and the slowest run of each. Run `npx tsc -b` first. Usage: node scripts/startup-time.mjs [N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const { createStore } = await import('@agentstore/core');
const { sqliteAdapter } = await import('@agentstore/adapter-sqlite');
const { lmdbAdapter } = await import('@agentstore/adapter-lmdb');
const { levelAdapter } = await import('@agentstore/adapter-level');

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

  const time = (args) => {
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      ms.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (r.status !== 0) throw new Error(`agentstore ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
  };
  const node = (() => {
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
  })();
  const rows = { 'node -e 0 (baseline)': node, '--help': time(['--help']), 'stats (3 adapters)': time(['stats', '--data-dir', dir]) };
  for (const [what, r] of Object.entries(rows))
    console.log(`${what.padEnd(24)} median ${r.median.toFixed(0)} ms, slowest ${r.max.toFixed(0)} ms (${runs} runs)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
