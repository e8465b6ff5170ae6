import { createStore } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { agentDomains, counterKey, memoryStoreConfig } from '../src/agent-store.js';
import { inspectRun, referenceRun } from '../src/inspect-run.js';
import { applyStep, callTool, initialState, TOTAL_STEPS } from '../src/research-agent.js';
import { runAgent } from '../src/run-agent.js';

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe('demo: resume logic', () => {
  it('counts a step that was checkpointed but not yet counted when the process died', async () => {
    const runId = 'research-gap';
    const store = await createStore(memoryStoreConfig());
    try {
      const d = agentDomains(store);
      // A first attempt that completed steps 1..4 fully, then died after checkpointing step 5 but
      // before counting it (the checkpoint is the commit point; counters come after it).
      let state = initialState(runId);
      for (let n = 1; n <= 5; n++) {
        const finding = callTool(n);
        state = applyStep(state, finding);
        await d.checkpoints.save(runId, state);
        if (n < 5) {
          await d.runs.updateCounters([
            [counterKey(runId, 'steps'), 1],
            [counterKey(runId, 'tokens'), finding.tokens],
            [counterKey(runId, 'toolCalls'), 1],
          ]);
        }
      }
      await d.runs.updateCounter(counterKey(runId, 'attempts'), 1);

      const resumes: Array<{ step: number; recounted: readonly number[] }> = [];
      const steps: number[] = [];
      await runAgent(d, runId, { onResume: (r) => resumes.push(r), onStep: (s) => steps.push(s.state.step) });

      expect(resumes).toEqual([expect.objectContaining({ step: 5, recounted: [5] })]);
      expect(steps).toEqual(range(6, TOTAL_STEPS));
      const run = await inspectRun(d, runId);
      const reference = await referenceRun(runId);
      expect(run.finalState).toEqual(reference.finalState);
      expect(run.counters).toEqual({ ...reference.counters, attempts: 2 });
    } finally {
      await store.close();
    }
  });

  it('refuses to extend a run another worker extended first (compare-and-set on the latest checkpoint)', async () => {
    const runId = 'research-race';
    const store = await createStore(memoryStoreConfig());
    try {
      const d = agentDomains(store);
      const first = await d.checkpoints.save(runId, applyStep(initialState(runId), callTool(1)), { expectLatest: null });
      await expect(d.checkpoints.save(runId, applyStep(initialState(runId), callTool(1)), { expectLatest: null })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect((await d.checkpoints.loadLatest(runId))?.id).toBe(first.id);
    } finally {
      await store.close();
    }
  });
});
