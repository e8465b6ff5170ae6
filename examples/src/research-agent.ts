import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The pure part of a deterministic "research agent": no network and no model. Every step is a fake tool
 * call whose output is derived from the step alone, so a resumed run can be compared with an
 * uninterrupted one byte for byte. `research-graph.ts` wires these functions into a LangGraph StateGraph.
 */

/** The questions the agent researches, in order; each takes one step per tool. */
export const TASKS = [
  'Which storage engine suits hot checkpoint reads?',
  'How much data does a process crash lose per durability mode?',
  'Where do write-heavy agent journals belong?',
  'When does an agent outgrow a single machine?',
] as const;

/** The tools each task goes through, in order. */
export const TOOLS = ['search', 'read', 'summarize'] as const;

/** Steps in a full run: every task through every tool (12). */
export const TOTAL_STEPS = TASKS.length * TOOLS.length;

/** One tool result the agent kept. */
export const FindingSchema = z.strictObject({
  step: z.number().int().min(1),
  task: z.string(),
  tool: z.enum(TOOLS),
  summary: z.string(),
  sources: z.number().int().min(0),
  tokens: z.number().int().min(0),
});

/** The agent's whole state: the graph's channels, which LangGraph checkpoints after every node. */
export const StateSchema = z.strictObject({
  runId: z.string().min(1),
  /** The question being researched, set by the `plan` node before each task (null before the first). */
  task: z.string().nullable(),
  /** Steps completed; the next step is `step + 1`. */
  step: z.number().int().min(0).max(TOTAL_STEPS),
  findings: z.array(FindingSchema),
  tokens: z.number().int().min(0),
  toolCalls: z.number().int().min(0),
  /** A hash chain over every tool output so far: equal digests mean equal histories. */
  digest: z.string().length(64),
  done: z.boolean(),
});

/** One tool result. */
export type Finding = z.infer<typeof FindingSchema>;
/** The agent's state. */
export type AgentState = z.infer<typeof StateSchema>;

/** A journal event the agent records around each tool call. */
export type AgentEvent =
  | { readonly type: 'tool_call'; readonly step: number; readonly tool: Finding['tool']; readonly task: string }
  | {
      readonly type: 'tool_result';
      readonly step: number;
      readonly tool: Finding['tool'];
      readonly summary: string;
      readonly tokens: number;
    };

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The state before the first step. */
export function initialState(runId: string): AgentState {
  return {
    runId,
    task: null,
    step: 0,
    findings: [],
    tokens: 0,
    toolCalls: 0,
    digest: sha256(`start:${runId}`).toString('hex'),
    done: false,
  };
}

/** What step `n` (1-based) does: which task and which tool. */
export function planStep(n: number): { readonly task: string; readonly tool: Finding['tool'] } {
  if (!Number.isInteger(n) || n < 1 || n > TOTAL_STEPS) throw new RangeError(`no step ${n}`);
  const task = TASKS[Math.floor((n - 1) / TOOLS.length)];
  const tool = TOOLS[(n - 1) % TOOLS.length];
  if (task === undefined || tool === undefined) throw new RangeError(`no step ${n}`);
  return { task, tool };
}

/** The fake tool: its output depends only on the step, the task and the tool. */
export function callTool(n: number): Finding {
  const { task, tool } = planStep(n);
  const h = sha256(`${n}|${task}|${tool}`);
  const sources = 1 + ((h[0] ?? 0) % 9);
  const tokens = 120 + ((h[1] ?? 0) << 2) + ((h[2] ?? 0) % 7);
  const verb =
    tool === 'search' ? `found ${sources} sources` : tool === 'read' ? `read ${sources} pages` : `wrote a ${sources}-point summary`;
  return { step: n, task, tool, summary: `${verb} (#${h.toString('hex').slice(0, 8)})`, sources, tokens };
}

/** Applies step `state.step + 1` to `state`; pure. */
export function applyStep(state: AgentState, finding: Finding): AgentState {
  const step = state.step + 1;
  if (finding.step !== step) throw new Error(`finding of step ${finding.step} applied at step ${step}`);
  return {
    ...state,
    step,
    findings: [...state.findings, finding],
    tokens: state.tokens + finding.tokens,
    toolCalls: state.toolCalls + 1,
    digest: sha256(`${state.digest}|${JSON.stringify(finding)}`).toString('hex'),
    done: step === TOTAL_STEPS,
  };
}
