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
import type { RunReport } from '../src/report.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(os.tmpdir(), 'agentstore-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const BACKENDS = ['memory', 'sqlite', 'lmdb', 'level'];
const KV_OPS = [
  'get (random of',
  'put (awaited one by one)',
  'putMany ×1000',
  'range scan ×1000',
  'updateCounter (durable)',
  'updateCounter (buffered)',
];
const CHECKPOINT_OPS = [
  'loadLatest, trace of 100',
  'list({ limit: 10 }), trace of 100',
  'save, trace of 100',
  'loadLatest, trace of 2,000',
  'list({ limit: 10 }), trace of 2,000',
  'save, trace of 2,000',
];
const LANGGRAPH_OPS = ['getTuple (latest)', 'list({ limit: 10 }), no checkpoint_ns', "list({ limit: 10 }), checkpoint_ns ''", 'put'];

describe('pnpm bench --quick', () => {
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', '--quick', '--out', out], {
      cwd: PACKAGE_DIR,
      encoding: 'utf8',
      timeout: 170_000,
    });
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
    // Only the LangGraph hook may be skipped (when @agentstore/langgraph is missing); failures are skips too.
    expect(report.skipped.filter((s) => s.section !== 'langgraph')).toEqual([]);

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

    for (const backend of BACKENDS) {
      for (const op of KV_OPS) expectPair('kv', backend, op);
      for (const op of CHECKPOINT_OPS) expectPair('checkpoints', backend, op);
      if (backend !== 'memory') {
        expectPair('group commit', backend, 'save strict, one at a time');
        const concurrent = find('group commit', backend, 'save strict, 100 in flight', 'agentstore');
        expect(concurrent?.summary?.opsPerSec).toBeGreaterThan(0);
        expect(concurrent?.ratio).toBeGreaterThan(0);
      }
    }
    if (!report.skipped.some((s) => s.section === 'langgraph')) {
      for (const backend of ['sqlite', 'lmdb']) for (const op of LANGGRAPH_OPS) expectPair('langgraph', backend, op, 'AgentstoreSaver');
    }
    const startup = report.rows.filter((r) => r.section === 'startup');
    expect(startup.map((r) => r.impl)).toEqual(['node (bare)', 'agentstore']);
    for (const row of startup) {
      expect(row.extra?.timeMs).toBeGreaterThan(0);
      expect(row.extra?.rssMb).toBeGreaterThan(0);
    }
  });
});
