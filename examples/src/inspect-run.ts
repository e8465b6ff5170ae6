import { isDeepStrictEqual } from 'node:util';
import { createStore, type DomainStats, type Store } from '@agentstore/core';
import { type AgentDomains, agentDomains, type CounterName, counterKey, memoryStoreConfig, type RunRecord, runKey } from './agent-store.js';
import type { AgentEvent, AgentState } from './research-agent.js';
import { runAgent } from './run-agent.js';

/** Everything a run left in the store, read back. */
export interface RunReport {
  readonly run: RunRecord | undefined;
  readonly counters: Readonly<Record<CounterName, number>>;
  readonly finalState: AgentState | undefined;
  /** Every checkpoint of the run, oldest first: its `seq` and the step its state is at. */
  readonly checkpoints: ReadonlyArray<{ readonly seq: number; readonly id: string; readonly step: number }>;
  /** The run's journal, in key order. */
  readonly journal: ReadonlyArray<{ readonly seq: number; readonly event: AgentEvent }>;
}

const COUNTERS: readonly CounterName[] = ['steps', 'tokens', 'toolCalls', 'attempts'];

/** Reads a run back from its three domains. */
export async function inspectRun(d: AgentDomains, runId: string): Promise<RunReport> {
  const run = (await d.runs.get(runKey(runId))) as RunRecord | undefined;
  const values = await d.runs.getMany(COUNTERS.map((name) => counterKey(runId, name)));
  const counters = Object.fromEntries(COUNTERS.map((name, i) => [name, typeof values[i] === 'number' ? values[i] : 0])) as Record<
    CounterName,
    number
  >;
  const checkpoints: Array<{ seq: number; id: string; step: number }> = [];
  for (const info of (await d.checkpoints.list(runId)).reverse()) {
    const loaded = await d.checkpoints.load(info.id);
    checkpoints.push({ seq: info.seq, id: info.id, step: loaded?.state.step ?? -1 });
  }
  const journal: Array<{ seq: number; event: AgentEvent }> = [];
  for await (const [key, event] of d.journal.entries({ prefix: ['run', runId] })) {
    journal.push({ seq: Array.isArray(key) ? Number(key[2]) : Number.NaN, event });
  }
  const finalState = (await d.checkpoints.loadLatest(runId))?.state;
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

/** True when two runs end in the same state, counted the same steps, tokens and tool calls, and journaled the same events. */
export function sameOutcome(a: RunReport, b: RunReport): boolean {
  const { attempts: _a, ...countersA } = a.counters;
  const { attempts: _b, ...countersB } = b.counters;
  return (
    isDeepStrictEqual(a.finalState, b.finalState) &&
    isDeepStrictEqual(countersA, countersB) &&
    isDeepStrictEqual(a.journal, b.journal) &&
    isDeepStrictEqual(
      a.checkpoints.map((c) => [c.seq, c.step]),
      b.checkpoints.map((c) => [c.seq, c.step]),
    )
  );
}

/** Per-domain figures of the three agent domains, in the order the demo lists them. */
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
