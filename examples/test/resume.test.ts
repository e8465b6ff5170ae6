import { createStore, type Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentDomains, agentDomains, counterKey, journalKey, memoryStoreConfig } from '../src/agent-store.js';
import { inspectRun, outcome, referenceRun } from '../src/inspect-run.js';
import { callTool, initialState, TOTAL_STEPS } from '../src/research-agent.js';
import { researchGraph } from '../src/research-graph.js';
import { type ResumeInfo, runAgent, threadConfig } from '../src/run-agent.js';

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * What a first attempt leaves when it dies right after step 5's checkpoint was saved and before it was
 * counted, while the node of step 6 was running: the graph run straight through LangGraph (stopped after
 * the `read` node of the second task), steps 1..4 counted, and step 6's tool call already journaled.
 */
async function killedAfterStep5(d: AgentDomains, runId: string): Promise<void> {
  const graph = researchGraph(d);
  const config = threadConfig(runId);
  await graph.invoke(initialState(runId), { ...config, interruptAfter: ['read'] }); // stops after step 2
  await graph.invoke(null, { ...config, interruptAfter: ['read'] }); // stops after step 5
  for (let n = 1; n <= 4; n++) {
    await d.runs.updateCounters([
      [counterKey(runId, 'steps'), 1],
      [counterKey(runId, 'tokens'), callTool(n).tokens],
      [counterKey(runId, 'toolCalls'), 1],
    ]);
  }
  await d.runs.updateCounter(counterKey(runId, 'attempts'), 1);
  await d.journal.put(journalKey(runId, 11), { type: 'tool_call', step: 6, tool: 'summarize', task: 'stale' });
}

describe('demo: resume logic', () => {
  let store: Store;
  let d: AgentDomains;
  beforeEach(async () => {
    store = await createStore(memoryStoreConfig());
    d = agentDomains(store);
  });
  afterEach(async () => {
    await store.close();
  });

  it('resumes the thread from its last checkpoint, counts the uncounted step, re-runs the node in flight', async () => {
    const runId = 'research-gap';
    await killedAfterStep5(d, runId);

    const resumes: ResumeInfo[] = [];
    const steps: number[] = [];
    await runAgent(d, runId, { onResume: (r) => resumes.push(r), onStep: (s) => steps.push(s.finding.step) });

    expect(resumes).toEqual([expect.objectContaining({ step: 5, next: ['summarize'], recounted: [5] })]);
    expect(steps).toEqual(range(6, TOTAL_STEPS));
    const run = await inspectRun(d, runId);
    const reference = await referenceRun(runId);
    // The re-run of step 6 overwrote the journal event the killed node had written.
    expect(outcome(run)).toEqual(outcome(reference));
    expect(run.counters).toEqual({ ...reference.counters, attempts: 2 });
    expect(run.run?.status).toBe('done');
  });

  it('a stale worker resuming an older head cannot fork the thread (exclusiveThreads → CONFLICT)', async () => {
    const runId = 'research-race';
    await killedAfterStep5(d, runId);
    const stale = (await researchGraph(d).getState(threadConfig(runId))).config;

    // Another worker resumes the same thread and finishes it ...
    await runAgent(d, runId);
    const before = await inspectRun(d, runId);
    // ... then the stale one tries to extend the checkpoint it had read.
    await expect(researchGraph(d).invoke(null, stale)).rejects.toMatchObject({ code: 'CONFLICT' });

    const after = await inspectRun(d, runId);
    expect(after.checkpoints).toEqual(before.checkpoints);
    expect(after.counters).toEqual(before.counters);
    expect(outcome(after)).toEqual(outcome(await referenceRun(runId)));
  });
});
