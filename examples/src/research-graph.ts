import { setTimeout as sleep } from 'node:timers/promises';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { type AgentDomains, journalKey } from './agent-store.js';
import { type AgentState, applyStep, callTool, type Finding, planStep, TASKS, TOOLS } from './research-agent.js';

/** The graph's state: one channel per field of {@link AgentState}, each keeping the last value written. */
export const ResearchState = Annotation.Root({
  runId: Annotation<string>(),
  task: Annotation<string | null>(),
  step: Annotation<number>(),
  findings: Annotation<Finding[]>(),
  tokens: Annotation<number>(),
  toolCalls: Annotation<number>(),
  digest: Annotation<string>(),
  done: Annotation<boolean>(),
});

/** Journal sequence numbers of step `n`: its tool call and its tool result. */
export const stepSeqs = (n: number): readonly [number, number] => [2 * n - 1, 2 * n];

/** The question the `plan` node picks once `stepsDone` steps are done. */
export function nextTask(stepsDone: number): string {
  const task = TASKS[Math.floor(stepsDone / TOOLS.length)];
  if (task === undefined) throw new RangeError(`no task after step ${stepsDone}`);
  return task;
}

/** Options of {@link researchGraph}. */
export interface ResearchGraphOptions {
  /** Simulated tool latency per step, in milliseconds (the demo's kill lands inside one). */
  readonly delayMs?: number;
}

/**
 * The research agent as a LangGraph `StateGraph`, checkpointed by `d.checkpointer`:
 *
 *     START → plan → search → read → summarize ─┬→ END    (after the last task)
 *               ↑                               │
 *               └───────────────────────────────┘         (next task)
 *
 * `plan` picks the next question; each tool node is one step: it journals its tool call, "calls the
 * tool" (a deterministic function of the step, after `delayMs`), journals the result and returns the new
 * state. LangGraph checkpoints after every node. A node that was running when the process died is run
 * again on resume; its journal keys are derived from the step, so the re-run overwrites its own events.
 */
export function researchGraph(d: Pick<AgentDomains, 'journal' | 'checkpointer'>, options: ResearchGraphOptions = {}) {
  const { delayMs = 0 } = options;

  const plan = (state: AgentState): Partial<AgentState> => ({ task: nextTask(state.step) });

  const toolNode =
    (name: Finding['tool']) =>
    async (state: AgentState): Promise<Partial<AgentState>> => {
      const n = state.step + 1;
      const { task, tool } = planStep(n);
      if (tool !== name || task !== state.task) throw new Error(`node ${name} reached at step ${n}, which is ${tool} of ${task}`);
      const [callSeq, resultSeq] = stepSeqs(n);
      await d.journal.put(journalKey(state.runId, callSeq), { type: 'tool_call', step: n, tool, task });
      if (delayMs > 0) await sleep(delayMs);
      const finding = callTool(n);
      await d.journal.put(journalKey(state.runId, resultSeq), {
        type: 'tool_result',
        step: n,
        tool,
        summary: finding.summary,
        tokens: finding.tokens,
      });
      const { step, findings, tokens, toolCalls, digest, done } = applyStep(state, finding);
      return { step, findings, tokens, toolCalls, digest, done };
    };

  return new StateGraph(ResearchState)
    .addNode('plan', plan)
    .addNode('search', toolNode('search'))
    .addNode('read', toolNode('read'))
    .addNode('summarize', toolNode('summarize'))
    .addEdge(START, 'plan')
    .addEdge('plan', 'search')
    .addEdge('search', 'read')
    .addEdge('read', 'summarize')
    .addConditionalEdges('summarize', (state: AgentState) => (state.done ? END : 'plan'), ['plan', END])
    .compile({ checkpointer: d.checkpointer, name: 'research-agent' });
}

/** The compiled research graph. */
export type ResearchGraph = ReturnType<typeof researchGraph>;
