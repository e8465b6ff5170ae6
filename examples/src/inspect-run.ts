import { isDeepStrictEqual } from 'node:util';
import { createStore, type DomainStats, type Store } from '@agentstore/core';
import { type AgentDomains, agentDomains, type CounterName, counterKey, memoryStoreConfig, type RunRecord, runKey } from './agent-store.js';
import type { AgentEvent, AgentState } from './research-agent.js';
import { researchGraph } from './research-graph.js';
import { runAgent, stateOf, threadConfig } from './run-agent.js';

/** One LangGraph checkpoint of a run, as `getStateHistory` returns it. */
export interface CheckpointSummary {
  readonly id: string;
  readonly parentId: string | undefined;
  /** LangGraph's superstep number (`metadata.step`: -1 for the input, then 0, 1, …). */
  readonly superstep: number;
  /** `metadata.source`: `input` or `loop`. */
  readonly source: string;
  /** The nodes to run next from this checkpoint (empty at the end). */
  readonly next: readonly string[];
  /** The agent's completed steps in this checkpoint (0 before the first tool node). */
  readonly step: number;
}

/** Everything a run left in the store, read back. */
export interface RunReport {
  readonly run: RunRecord | undefined;
  readonly counters: Readonly<Record<CounterName, number>>;
  /** The state in the thread's latest checkpoint. */
  readonly finalState: AgentState | undefined;
  /** Every checkpoint of the thread, oldest first. */
  readonly checkpoints: readonly CheckpointSummary[];
  /** The run's journal, in key order. */
  readonly journal: ReadonlyArray<{ readonly seq: number; readonly event: AgentEvent }>;
}

const COUNTERS: readonly CounterName[] = ['steps', 'tokens', 'toolCalls', 'attempts'];

const idOf = (config: { configurable?: Record<string, unknown> } | undefined): string | undefined => {
  const id = config?.configurable?.checkpoint_id;
  return typeof id === 'string' ? id : undefined;
};

/** Reads a run back: its record and counters, its LangGraph thread through the saver, its journal. */
export async function inspectRun(d: AgentDomains, runId: string): Promise<RunReport> {
  const run = (await d.runs.get(runKey(runId))) as RunRecord | undefined;
  const values = await d.runs.getMany(COUNTERS.map((name) => counterKey(runId, name)));
  const counters = Object.fromEntries(COUNTERS.map((name, i) => [name, typeof values[i] === 'number' ? values[i] : 0])) as Record<
    CounterName,
    number
  >;
  const graph = researchGraph(d);
  const config = threadConfig(runId);
  const checkpoints: CheckpointSummary[] = [];
  for await (const snapshot of graph.getStateHistory(config)) {
    checkpoints.push({
      id: idOf(snapshot.config) ?? '?',
      parentId: idOf(snapshot.parentConfig),
      superstep: snapshot.metadata?.step ?? Number.NaN,
      source: snapshot.metadata?.source ?? '?',
      next: snapshot.next,
      step: stateOf(snapshot.values)?.step ?? 0,
    });
  }
  checkpoints.reverse();
  const journal: Array<{ seq: number; event: AgentEvent }> = [];
  for await (const [key, event] of d.journal.entries({ prefix: ['run', runId] })) {
    journal.push({ seq: Array.isArray(key) ? Number(key[2]) : Number.NaN, event });
  }
  const finalState = stateOf((await graph.getState(config)).values);
  return { run, counters, finalState, checkpoints, journal };
}

/** The same run, uninterrupted, in a memory-only store: what a crashed and resumed run must equal. */
export async function referenceRun(runId: string): Promise<RunReport> {
  const store = await createStore(memoryStoreConfig());
  try {
    const d = agentDomains(store);
    await runAgent(d, runId);
    return await inspectRun(d, runId);
  } finally {
    await store.close();
  }
}

/** What must be equal between two runs of the same agent: everything but ids, timestamps and attempts. */
export function outcome(r: RunReport) {
  const { attempts: _, ...counters } = r.counters;
  return {
    finalState: r.finalState,
    counters,
    journal: r.journal,
    checkpoints: r.checkpoints.map((c) => ({ superstep: c.superstep, source: c.source, next: c.next, step: c.step })),
  };
}

/**
 * True when two runs end in the same state, counted the same steps, tokens and tool calls, journaled the
 * same events, and left the same checkpoint history (superstep, source, next nodes, agent step).
 */
export function sameOutcome(a: RunReport, b: RunReport): boolean {
  return isDeepStrictEqual(outcome(a), outcome(b));
}

/** Per-domain figures of `domains`, in that order. */
export async function domainStats(store: Store, domains: readonly string[]): Promise<DomainStats[]> {
  const all = await store.stats();
  return domains.map(
    (domain) =>
      all.find((s) => s.domain === domain && s.adapter === store.adapterOf(domain)) ?? {
        domain,
        adapter: store.adapterOf(domain),
        kind: undefined,
        records: 0,
        bytes: undefined,
      },
  );
}
