import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentDomains, counterKey, journalKey, type RunRecord, runKey } from './agent-store.js';
import { type AgentState, applyStep, callTool, type Finding, initialState, planStep, TOTAL_STEPS } from './research-agent.js';

/** Where a run picked up. */
export interface ResumeInfo {
  /** Steps already completed (0 when the run starts fresh). */
  readonly step: number;
  /** The checkpoint resumed from, if any. */
  readonly checkpointId: string | undefined;
  /** Steps whose counters the previous attempt checkpointed but did not count, counted now. */
  readonly recounted: readonly number[];
}

/** One completed step. */
export interface StepInfo {
  readonly state: AgentState;
  readonly finding: Finding;
  readonly checkpointId: string;
}

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  /** Simulated tool latency per step, in milliseconds (the demo's kill lands inside one). */
  readonly delayMs?: number;
  readonly onResume?: (info: ResumeInfo) => void;
  readonly onStep?: (info: StepInfo) => void;
}

/** Journal sequence numbers of step `n`: its tool call and its tool result. */
export const stepSeqs = (n: number): readonly [number, number] => [2 * n - 1, 2 * n];

/** Counts one step in the run's counters: one atomic transaction across the three keys. */
async function countStep(d: AgentDomains, runId: string, finding: Finding): Promise<void> {
  await d.runs.updateCounters([
    [counterKey(runId, 'steps'), 1],
    [counterKey(runId, 'tokens'), finding.tokens],
    [counterKey(runId, 'toolCalls'), 1],
  ]);
}

/**
 * Picks up where the last checkpoint left off. The checkpoint is the commit point of a step; counters
 * live in another backend and are updated after it, so a crash between the two leaves the `steps`
 * counter behind the checkpoint. Counting those steps now makes every step count exactly once.
 */
async function resume(d: AgentDomains, runId: string): Promise<{ state: AgentState; info: ResumeInfo }> {
  const latest = await d.checkpoints.loadLatest(runId);
  const state = latest?.state ?? initialState(runId);
  const counted = await d.runs.get(counterKey(runId, 'steps'));
  const countedSteps = typeof counted === 'number' ? counted : 0;
  if (countedSteps > state.step) throw new Error(`run ${runId}: ${countedSteps} steps counted but only ${state.step} checkpointed`);
  const recounted: number[] = [];
  for (const finding of state.findings.slice(countedSteps)) {
    await countStep(d, runId, finding);
    recounted.push(finding.step);
  }
  return { state, info: { step: state.step, checkpointId: latest?.id, recounted } };
}

/**
 * Runs (or resumes) the research agent `runId` to the end and returns its final state. Each step writes
 * its tool call to the journal, "calls the tool", writes the result, checkpoints the new state with
 * compare-and-set on the previous checkpoint, then counts the step. Journal keys are derived from the
 * step, so a step redone after a crash overwrites its own events instead of adding new ones.
 */
export async function runAgent(d: AgentDomains, runId: string, options: RunAgentOptions = {}): Promise<AgentState> {
  const { delayMs = 0, onResume, onStep } = options;
  const previous = (await d.runs.get(runKey(runId))) as RunRecord | undefined;
  const record: RunRecord = previous ?? {
    runId,
    agent: 'research-agent',
    status: 'running',
    totalSteps: TOTAL_STEPS,
    startedAt: Date.now(),
  };
  if (!previous) await d.runs.put(runKey(runId), record);
  await d.runs.updateCounter(counterKey(runId, 'attempts'), 1);

  let { state, info } = await resume(d, runId);
  onResume?.(info);
  let latestId = info.checkpointId ?? null;

  while (state.step < TOTAL_STEPS) {
    const n = state.step + 1;
    const { task, tool } = planStep(n);
    const [callSeq, resultSeq] = stepSeqs(n);
    await d.journal.put(journalKey(runId, callSeq), { type: 'tool_call', step: n, tool, task });
    if (delayMs > 0) await sleep(delayMs);
    const finding = callTool(n);
    await d.journal.put(journalKey(runId, resultSeq), {
      type: 'tool_result',
      step: n,
      tool,
      summary: finding.summary,
      tokens: finding.tokens,
    });
    const next = applyStep(state, finding);
    const saved = await d.checkpoints.save(runId, next, { expectLatest: latestId, metadata: { step: n, tool } });
    await countStep(d, runId, finding);
    state = next;
    latestId = saved.id;
    onStep?.({ state, finding, checkpointId: saved.id });
  }

  if (record.status !== 'done') await d.runs.put(runKey(runId), { ...record, status: 'done', finishedAt: Date.now() });
  return state;
}
