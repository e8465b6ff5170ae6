import type { RunnableConfig } from '@langchain/core/runnables';
import { type AgentDomains, counterKey, type RunRecord, runKey } from './agent-store.js';
import { type AgentState, type Finding, initialState, StateSchema, TASKS, TOTAL_STEPS } from './research-agent.js';
import { type ResearchGraph, researchGraph } from './research-graph.js';

/** Where a run picked up. */
export interface ResumeInfo {
  /** Steps (tool calls) already checkpointed; 0 when the run starts fresh. */
  readonly step: number;
  /** The LangGraph checkpoint resumed from, and its superstep (`metadata.step`); undefined when fresh. */
  readonly checkpointId: string | undefined;
  readonly superstep: number | undefined;
  /** The nodes LangGraph runs next from that checkpoint: the one that was in flight when the process died. */
  readonly next: readonly string[];
  /** Steps the previous attempt checkpointed but did not count, counted now. */
  readonly recounted: readonly number[];
}

/** One step (tool node) whose checkpoint was saved and which was then counted. */
export interface StepInfo {
  readonly state: AgentState;
  readonly finding: Finding;
  readonly checkpointId: string;
  readonly superstep: number;
}

/** A `plan` node whose checkpoint was saved: the task it picked (1-based `index` of `TASKS.length`). */
export interface PlanInfo {
  readonly task: string;
  readonly index: number;
  readonly checkpointId: string;
  readonly superstep: number;
}

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  /** Simulated tool latency per step, in milliseconds (the demo's kill lands inside one). */
  readonly delayMs?: number;
  readonly onResume?: (info: ResumeInfo) => void;
  readonly onPlan?: (info: PlanInfo) => void;
  readonly onStep?: (info: StepInfo) => void;
}

/** The config that names a run's thread: the run id is the LangGraph `thread_id`. */
export const threadConfig = (runId: string): RunnableConfig => ({ configurable: { thread_id: runId } });

/** The agent state in a checkpoint's channel values, or undefined before the input reached the channels. */
export function stateOf(values: unknown): AgentState | undefined {
  if (values === null || typeof values !== 'object' || !('step' in values)) return undefined;
  return StateSchema.parse(values);
}

/** Counts one step in the run's counters: one atomic transaction across the three keys. */
async function countStep(d: AgentDomains, runId: string, finding: Finding): Promise<void> {
  await d.runs.updateCounters([
    [counterKey(runId, 'steps'), 1],
    [counterKey(runId, 'tokens'), finding.tokens],
    [counterKey(runId, 'toolCalls'), 1],
  ]);
}

/**
 * Brings the run's counters up to a checkpointed state: counts every step of `state` the `steps`
 * counter does not include yet, in order, and returns them. Counters live in another backend than the
 * checkpoints, so they are updated after a step's checkpoint was saved, never inside the node: a node
 * LangGraph re-runs after a crash has no counter to double, and a step checkpointed just before a crash
 * is counted on resume.
 */
async function countUpTo(d: AgentDomains, runId: string, state: AgentState | undefined): Promise<Finding[]> {
  if (state === undefined) return [];
  const counted = await d.runs.get(counterKey(runId, 'steps'));
  const countedSteps = typeof counted === 'number' ? counted : 0;
  if (countedSteps > state.step) throw new Error(`run ${runId}: ${countedSteps} steps counted but only ${state.step} checkpointed`);
  const newly = state.findings.slice(countedSteps);
  for (const finding of newly) await countStep(d, runId, finding);
  return newly;
}

const checkpointIdOf = (config: RunnableConfig | undefined): string | undefined => {
  const id: unknown = config?.configurable?.checkpoint_id;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Runs (or resumes) the research agent `runId` to the end and returns its final state.
 *
 * The graph runs with `durability: 'sync'` and `streamMode: 'checkpoints'`, so each streamed chunk is a
 * checkpoint LangGraph has already saved (through `AgentstoreSaver`); the step it completed is counted
 * then, and only then reported. A restart finds the thread's latest checkpoint (`getState`), counts what
 * the killed process checkpointed but did not count, and resumes the graph LangGraph's way: `stream(null)`
 * with the same `thread_id`.
 */
export async function runAgent(d: AgentDomains, runId: string, options: RunAgentOptions = {}): Promise<AgentState> {
  const { delayMs = 0, onResume, onPlan, onStep } = options;
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

  const graph: ResearchGraph = researchGraph(d, { delayMs });
  const config = threadConfig(runId);
  const saved = await graph.getState(config);
  const checkpointId = checkpointIdOf(saved.config);
  const resumedState = checkpointId === undefined ? undefined : stateOf(saved.values);
  const recounted = await countUpTo(d, runId, resumedState);
  onResume?.({
    step: resumedState?.step ?? 0,
    checkpointId,
    superstep: checkpointId === undefined ? undefined : saved.metadata?.step,
    next: saved.next,
    recounted: recounted.map((f) => f.step),
  });

  let task = resumedState?.task ?? null;
  const stream = await graph.stream(checkpointId === undefined ? initialState(runId) : null, {
    ...config,
    streamMode: 'checkpoints',
    durability: 'sync',
  });
  for await (const checkpoint of stream) {
    const state = stateOf(checkpoint.values);
    const id = checkpointIdOf(checkpoint.config);
    if (state === undefined || id === undefined) continue;
    const superstep = checkpoint.metadata?.step ?? Number.NaN;
    if (state.task !== null && state.task !== task) {
      task = state.task;
      onPlan?.({ task, index: TASKS.indexOf(task as (typeof TASKS)[number]) + 1, checkpointId: id, superstep });
    }
    for (const finding of await countUpTo(d, runId, state)) onStep?.({ state, finding, checkpointId: id, superstep });
  }

  const final = stateOf((await graph.getState(config)).values);
  if (final?.done !== true) throw new Error(`run ${runId} stopped at step ${final?.step ?? 0} of ${TOTAL_STEPS}`);
  await countUpTo(d, runId, final);
  if (record.status !== 'done') await d.runs.put(runKey(runId), { ...record, status: 'done', finishedAt: Date.now() });
  return final;
}
