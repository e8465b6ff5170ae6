/**
 * Runs `pnpm bench --quick` (as a child process, the way CI does) and checks that the table and the
 * JSON results are complete: every row present with positive numbers. No speed is asserted.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerMissing } from '../../adapter-redis/test/redis-server.js';
import type { RunReport } from '../src/report.js';
import { PG_URL, postgresUnreachable } from '../src/subjects/raw-postgres.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(os.tmpdir(), 'agentstore-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const EMBEDDED = ['memory', 'sqlite', 'lmdb', 'level'];
const KV_OPS = [
  'get (random of',
  'put (awaited one by one)',
  'putMany ×1000',
  'range scan ×1000',
  'updateCounter (durable)',
  'updateCounter (buffered)',
];
/** Checkpoint rows on traces of 100 and of `long` (2,000 in quick mode; 500 on postgres). */
const checkpointOps = (long: string) => [
  'loadLatest, trace of 100',
  'list({ limit: 10 }), trace of 100',
  'save, trace of 100',
  `loadLatest, trace of ${long}`,
  `list({ limit: 10 }), trace of ${long}`,
  `save, trace of ${long}`,
];
const ARTIFACT_PAIRS = ['put 1 MiB (no budget)', 'put 1 MiB, budget full (evicts 1 per put)', 'get 1 MiB (hit, of 16)'];
const ARTIFACT_CONCURRENT = 'put 1 MiB, 8 in flight';
const LANGGRAPH_OPS = ['getTuple (latest)', 'list({ limit: 10 }), no checkpoint_ns', "list({ limit: 10 }), checkpoint_ns ''", 'put'];

const bench = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    timeout: 170_000,
    env,
  });

describe('pnpm bench --quick', () => {
  let run: SpawnSyncReturns<string>;
  /** Why PostgreSQL cannot be used here, or undefined when the postgres rows must be there. */
  let pgUnreachable: string | undefined;
  beforeAll(async () => {
    pgUnreachable = await postgresUnreachable(PG_URL);
    run = bench(['--quick', '--out', out]);
  }, 180_000);

  it('exits 0 and prints the markdown table', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('| section | operation | backend | impl | ops/s | p50 | p99 |');
    expect(run.stdout).toMatch(/Targets \(reported, not asserted\): \d+ of \d+ met\./);
  });

  it('writes the JSON with machine facts and every row, all numbers positive', () => {
    const latest = join(out, 'latest.json');
    expect(existsSync(latest)).toBe(true);
    const report = JSON.parse(readFileSync(latest, 'utf8')) as RunReport;
    expect(report.mode).toBe('quick');
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.cpu.length).toBeGreaterThan(0);
    expect(report.machine.commit).toMatch(/^[0-9a-f]{40}$/);
    // Only the LangGraph hook may be skipped (when @agentstore/langgraph is missing), and postgres when the
    // server is unreachable; failures are skips too.
    // Redis likewise when no redis-server binary is installed (it runs the kv section only).
    const redisMissing = redisServerMissing();
    const allowed = (s: { section: string }) =>
      s.section === 'langgraph' || (s.section === 'postgres' && pgUnreachable) || (s.section === 'redis' && redisMissing);
    expect(report.skipped.filter((s) => !allowed(s))).toEqual([]);

    const find = (section: string, backend: string, op: string, impl: string) =>
      report.rows.find((r) => r.section === section && r.backend === backend && r.op.startsWith(op) && r.impl === impl);
    const expectPair = (section: string, backend: string, op: string, impl = 'agentstore') => {
      const ours = find(section, backend, op, impl);
      expect(ours, `${section} ${backend} ${op} ${impl}`).toBeDefined();
      const theirs = find(section, backend, op, ours?.baseline ?? '');
      expect(theirs, `${section} ${backend} ${op} baseline`).toBeDefined();
      for (const row of [ours, theirs]) {
        const s = row?.summary;
        expect(s?.ops, `${section} ${backend} ${op}`).toBeGreaterThan(0);
        expect(s?.opsPerSec).toBeGreaterThan(0);
        expect(s?.p50Us).toBeGreaterThan(0);
        expect(s?.p99Us).toBeGreaterThanOrEqual(s?.p50Us ?? Number.POSITIVE_INFINITY);
      }
      expect(ours?.ratio).toBeGreaterThan(0);
      expect(ours?.p50Ratio).toBeGreaterThan(0);
      expect(run.stdout).toContain(`| ${section} | ${ours?.op} | ${backend} | ${impl} |`);
    };

    const expectConcurrent = (section: string, backend: string, op: string) => {
      const row = find(section, backend, op, 'agentstore');
      expect(row, `${section} ${backend} ${op}`).toBeDefined();
      expect(row?.summary?.opsPerSec).toBeGreaterThan(0);
      expect(row?.ratio).toBeGreaterThan(0);
      expect(run.stdout).toContain(`| ${section} | ${op} | ${backend} | agentstore |`);
    };
    if (!redisMissing) for (const op of KV_OPS) expectPair('kv', 'redis', op);
    const backends = pgUnreachable ? EMBEDDED : [...EMBEDDED, 'postgres'];
    for (const backend of backends) {
      for (const op of KV_OPS) expectPair('kv', backend, op);
      for (const op of ['write transaction: put', 'point read']) expectPair('guard', backend, op, 'with guard');
      for (const op of checkpointOps(backend === 'postgres' ? '500' : '2,000')) expectPair('checkpoints', backend, op);
      if (backend !== 'memory') {
        expectPair('group commit', backend, 'save strict, one at a time');
        expectConcurrent('group commit', backend, 'save strict, 100 in flight');
      }
      for (const op of ARTIFACT_PAIRS) {
        expectPair('artifacts', backend, op);
        const rows = report.rows.filter((r) => r.section === 'artifacts' && r.backend === backend && r.op === op);
        for (const row of rows) expect(row.note, `${backend} ${op} ${row.impl}`).toMatch(/^\d+(\.\d+)? MB\/s/);
      }
      expectConcurrent('artifacts', backend, ARTIFACT_CONCURRENT);
    }
    const lmdbPut = find('artifacts', 'lmdb', 'put 1 MiB (no budget)', 'agentstore');
    expect(lmdbPut?.targets?.map((t) => t.text)).toEqual(['≥ 250 MB/s', 'ops/s ≥ 0.7× raw']);
    if (!report.skipped.some((s) => s.section === 'langgraph')) {
      for (const backend of ['sqlite', 'lmdb']) for (const op of LANGGRAPH_OPS) expectPair('langgraph', backend, op, 'AgentstoreSaver');
      if (!pgUnreachable) {
        for (const op of LANGGRAPH_OPS) expectPair('langgraph', 'postgres', op, 'AgentstoreSaver');
        expect(find('langgraph', 'postgres', 'put', 'PostgresSaver')).toBeDefined();
      }
    }
    if (pgUnreachable) {
      expect(report.rows.some((r) => r.backend === 'postgres')).toBe(false);
      expect(run.stdout).toContain('- skipped postgres: PostgreSQL at ');
    }
    expectPair('vectors', 'memory', 'exact search k=10');
    for (const backend of ['lmdb', 'sqlite']) {
      const search = report.rows.find((r) => r.section === 'vectors' && r.backend === backend && r.op.startsWith('search k=10'));
      expect(search?.summary?.p50Us, backend).toBeGreaterThan(0);
      expect(search?.extra?.recall, backend).toBeGreaterThan(0);
      const open = report.rows.find((r) => r.section === 'vectors' && r.backend === backend && r.op.startsWith('open '));
      expect(open?.extra?.openMs, backend).toBeGreaterThan(0);
    }
    const startup = report.rows.filter((r) => r.section === 'startup');
    expect(startup.map((r) => r.impl)).toEqual(['node (bare)', 'agentstore']);
    for (const row of startup) {
      expect(row.extra?.timeMs).toBeGreaterThan(0);
      expect(row.extra?.rssMb).toBeGreaterThan(0);
    }
  });

  it('prints one skip line for postgres when the server is unreachable, and runs the rest', () => {
    // Port 1 on loopback refuses at once: the unreachable path, whatever this machine has.
    const skipOut = mkdtempSync(join(os.tmpdir(), 'agentstore-bench-skip-'));
    try {
      const r = bench(['--quick', '--only', 'kv:memory,kv:postgres', '--out', skipOut], {
        ...process.env,
        AGENTSTORE_PG_URL: 'postgres://postgres@127.0.0.1:1/test',
      });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('- skipped postgres: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('PostgreSQL at postgres://postgres@127.0.0.1:1/test is unreachable');
      expect(r.stdout).toContain('| kv | put (awaited one by one) | memory | agentstore |');
      expect(r.stdout).not.toMatch(/\| postgres \|/);
    } finally {
      rmSync(skipOut, { recursive: true, force: true });
    }
  }, 120_000);
});
