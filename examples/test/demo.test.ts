import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentDomains } from '../src/agent-store.js';
import { demoStoreConfig } from '../src/demo-config.js';
import { inspectRun, outcome, referenceRun } from '../src/inspect-run.js';
import { TOTAL_STEPS } from '../src/research-agent.js';
import { runWithCrash } from '../src/supervisor.js';
import { verifyRun } from '../src/verify-run.js';

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe('demo: a LangGraph agent killed with SIGKILL and restarted on the same thread', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-demo-test-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  // The kill lands right after a step was acknowledged, or in the middle of the next step's tool call
  // (after its first journal event was written).
  it.each([
    ['right after step 1', 1, 0],
    ['in the middle of step 6', 5, 40],
    ['in the middle of step 12', 11, 40],
  ] as const)('killed %s, it resumes and ends like an uninterrupted run', async (_when, killAfterSteps, killDelayMs) => {
    const runId = `research-kill-${killAfterSteps}`;
    const crash = await runWithCrash({ dataDir, runId, killAfterSteps, killDelayMs, delayMs: 80 });

    expect(crash.killed.exit.signal).toBe('SIGKILL');
    expect(crash.resumed.exit.code).toBe(0);
    // Nothing printed (acknowledged) before the kill was lost ...
    const printed = crash.killed.stepsPrinted;
    expect(printed.length).toBeGreaterThanOrEqual(killAfterSteps);
    expect(printed).toEqual(range(1, printed.length));
    expect(crash.resumed.resumedFrom).toBeGreaterThanOrEqual(printed.length);
    expect(crash.resumed.resumedFrom).toBeLessThan(TOTAL_STEPS);
    expect(crash.resumed.resumedCheckpoint).toBeDefined();
    // ... and after the resume point every step ran exactly once.
    expect(crash.resumed.stepsPrinted).toEqual(range(crash.resumed.resumedFrom + 1, TOTAL_STEPS));

    const store = await createStore(demoStoreConfig(dataDir));
    const run = await inspectRun(agentDomains(store), runId).finally(() => store.close());
    const reference = await referenceRun(runId);

    expect(run.finalState).toEqual(reference.finalState);
    expect(run.finalState?.step).toBe(TOTAL_STEPS);
    // One LangGraph thread, a checkpoint per superstep (input, __start__, 4 × plan + 12 tool nodes), no
    // superstep twice, each checkpoint the parent of the next: the restart continued the thread.
    expect(run.checkpoints.map((c) => c.superstep)).toEqual(range(-1, 16));
    expect(run.checkpoints.map((c) => c.parentId)).toEqual([undefined, ...run.checkpoints.slice(0, -1).map((c) => c.id)]);
    const resumedAt = run.checkpoints.find((c) => c.id === crash.resumed.resumedCheckpoint);
    expect(resumedAt?.step).toBe(crash.resumed.resumedFrom);
    expect(crash.resumed.resumedSuperstep).toBe(resumedAt?.superstep);
    expect(run.checkpoints.at(-1)?.id).not.toBe(crash.resumed.resumedCheckpoint);
    expect(outcome(run)).toEqual(outcome(reference));
    expect(run.journal.map((e) => e.seq)).toEqual(range(1, 2 * TOTAL_STEPS));
    expect(run.journal).toEqual(reference.journal);
    expect(run.counters).toEqual({ ...reference.counters, attempts: 2 });
    expect(run.run?.status).toBe('done');
    for (const check of verifyRun(crash, run, reference)) expect(check.ok, `${check.name}: ${check.detail}`).toBe(true);
  });
});
