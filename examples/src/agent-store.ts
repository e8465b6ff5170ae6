import { type DomainStore, type Store, type StoreConfig, type TypedCheckpointStore, typedCheckpoints, zodCodec } from '@agentstore/core';
import { type AgentEvent, type AgentState, StateSchema } from './research-agent.js';

/** The three domains the agent writes, each routed to the backend that suits it. */
export const DOMAINS = ['runs', 'checkpoints', 'journal'] as const;

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

/** Typed handles on the agent's three domains. */
export interface AgentDomains {
  readonly runs: DomainStore<RunsValue>;
  readonly checkpoints: TypedCheckpointStore<AgentState>;
  readonly journal: DomainStore<AgentEvent>;
}

/** Opens the agent's domain handles on `store` (cheap: nothing is opened until first use). */
export function agentDomains(store: Store): AgentDomains {
  return {
    runs: store.kv<RunsValue>('runs'),
    checkpoints: typedCheckpoints(store.checkpoints('checkpoints'), zodCodec(StateSchema)),
    journal: store.kv<AgentEvent>('journal'),
  };
}

/** Key of a run record. */
export const runKey = (runId: string): [string, string] => ['run', runId];
/** Key of one of a run's counters. */
export const counterKey = (runId: string, name: CounterName): [string, string, string] => ['run', runId, name];
/** Key of a run's journal event number `seq` (tuple keys keep numbers in numeric order). */
export const journalKey = (runId: string, seq: number): [string, string, number] => ['run', runId, seq];
