import type { DomainStore, Store, StoreConfig } from '@agentstore/core';
import { AgentstoreSaver, type AgentstoreSaverOptions } from '@agentstore/langgraph';
import type { AgentEvent } from './research-agent.js';

/**
 * The domains LangGraph's checkpointer uses (`AgentstoreSaver`), each routable on its own. With
 * `exclusiveThreads` every checkpoint is committed by compare-and-set on its parent, so a process that
 * resumes a thread extends exactly the checkpoint it read, and a stale second writer gets `CONFLICT`.
 */
export const SAVER_OPTIONS = {
  checkpoints: 'checkpoints',
  writes: 'checkpoint_writes',
  heads: 'checkpoint_heads',
  exclusiveThreads: true,
} as const satisfies AgentstoreSaverOptions;

/** Every domain the demo writes, in the order it lists them: the agent's own two and the saver's three. */
export const DOMAINS = ['runs', SAVER_OPTIONS.checkpoints, SAVER_OPTIONS.heads, SAVER_OPTIONS.writes, 'journal'] as const;

/** Everything in memory: the uninterrupted reference run the demo compares with. */
export function memoryStoreConfig(): StoreConfig {
  return { default: { adapter: 'memory' } };
}

/** The run record kept in `runs` beside the run's counters. */
export interface RunRecord {
  readonly runId: string;
  readonly agent: 'research-agent';
  readonly status: 'running' | 'done';
  readonly totalSteps: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
}

/** What `runs` holds: run records under `['run', id]`, counters under `['run', id, name]`. */
export type RunsValue = RunRecord | number;

/** Counters the agent keeps per run. */
export type CounterName = 'steps' | 'tokens' | 'toolCalls' | 'attempts';

/** The agent's handles on a store: its two kv domains and LangGraph's checkpointer. */
export interface AgentDomains {
  readonly runs: DomainStore<RunsValue>;
  readonly journal: DomainStore<AgentEvent>;
  readonly checkpointer: AgentstoreSaver;
}

/** Opens the agent's handles on `store` (cheap: no domain is opened until first use). */
export function agentDomains(store: Store): AgentDomains {
  return {
    runs: store.kv<RunsValue>('runs'),
    journal: store.kv<AgentEvent>('journal'),
    checkpointer: new AgentstoreSaver(store, SAVER_OPTIONS),
  };
}

/** Key of a run record. */
export const runKey = (runId: string): [string, string] => ['run', runId];
/** Key of one of a run's counters. */
export const counterKey = (runId: string, name: CounterName): [string, string, string] => ['run', runId, name];
/** Key of a run's journal event number `seq` (tuple keys keep numbers in numeric order). */
export const journalKey = (runId: string, seq: number): [string, string, number] => ['run', runId, seq];
