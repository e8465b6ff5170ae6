/**
 * One worker process of the fleet benchmark (`sections/fleet.ts`): opens a saver on the shared
 * PostgreSQL server, says `ready`, then at the parent's start time runs `threads` LangGraph threads
 * concurrently, each a loop of supersteps (`putWrites` of the step's task, then `put` of its
 * checkpoint), and reports the supersteps completed inside the measured window with their latencies.
 * Run with `--import tsx`, plus `--conditions=source` when the parent runs from sources (the parent forks it so).
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createStore, type Store } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import { type Checkpoint, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import pg from 'pg';
import { FROM_SOURCES } from './load-mode.js';
import type { Saver } from './sections/langgraph.js';

/** What the parent sends first. */
export interface FleetJob {
  readonly saver: 'agentstore' | 'postgres';
  readonly url: string;
  readonly schema: string;
  readonly worker: number;
  readonly threads: number;
  readonly poolSize: number;
  readonly dataDir: string;
}

/** What the worker reports at the end. */
export interface FleetReport {
  readonly supersteps: number;
  /** CPU time (user + system) this process spent over the measured window, µs. */
  readonly cpuUs: number;
  /** Context switches of this process over the window (voluntary + involuntary; 0 off Linux). */
  readonly switches: number;
  /** AgentstoreSaver only: commit groups and the transactions they carried over the window (this process). */
  readonly groups?: number;
  readonly transactions?: number;
  /** AgentstoreSaver only: groups committed in one round trip with their writes. */
  readonly inlineCommits?: number;
  /** Latency of each measured superstep, in microseconds. */
  readonly latenciesUs: number[];
  readonly errors: number;
  readonly firstError?: string;
}

/** The parent's start signal: run from `startAt`; say `warmed` after `warmupMs` and `warmupSupersteps`. */
type Go = { readonly startAt: number; readonly warmupMs: number; readonly warmupSupersteps: number; readonly measureMs: number };
/** The parent's second signal, once every worker is warm: the measured window. */
type Measure = { readonly measureFrom: number };

function superstep(step: number): { checkpoint: Checkpoint; versions: Record<string, number> } {
  const messages = Array.from({ length: 4 }, (_, k) => ({
    role: k % 2 ? 'assistant' : 'user',
    content: `message ${step}.${k} `.repeat(8),
  }));
  const checkpoint: Checkpoint = {
    ...emptyCheckpoint(),
    id: uuid6(-1),
    channel_values: { messages, step },
    channel_versions: { messages: step + 1, step: step + 1 },
    versions_seen: { agent: { messages: step } },
  };
  return { checkpoint, versions: { messages: step + 1, step: step + 1 } };
}

async function openSaver(job: FleetJob): Promise<{ saver: Saver; close: () => Promise<void> }> {
  if (job.saver === 'postgres') {
    const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
    const pool = new pg.Pool({ connectionString: job.url, max: job.poolSize, application_name: 'agentstore-bench-fleet' });
    pool.on('error', () => {});
    const saver = new PostgresSaver(pool, undefined, { schema: job.schema });
    return { saver: saver as unknown as Saver, close: () => pool.end() };
  }
  const { postgresAdapter } = await import('@agentstore/adapter-postgres');
  const { AgentstoreSaver } = (await import('@agentstore/langgraph')) as unknown as {
    AgentstoreSaver: new (store: Store) => Saver;
  };
  const options = { connectionString: job.url, schema: job.schema, poolSize: job.poolSize, applicationName: 'agentstore-bench-fleet' };
  const store = await createStore({
    dataDir: job.dataDir,
    adapters: [postgresAdapter],
    domains: {
      checkpoints: { adapter: 'postgres', options },
      checkpoint_writes: { adapter: 'postgres', options },
      checkpoint_heads: { adapter: 'postgres', options },
    },
  });
  return { saver: new AgentstoreSaver(store), close: () => store.close() };
}

/** Voluntary + involuntary context switches of this process so far (`/proc/self/status`), 0 off Linux. */
function contextSwitches(): number {
  try {
    const status = readFileSync('/proc/self/status', 'latin1');
    return [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  } catch {
    return 0;
  }
}

/** The adapter's commit counters; not public API, so reached by path (the module instance the package entry loaded). */
async function commitCounters(job: FleetJob): Promise<{ groups: number; transactions: number; inlineCommits: number } | undefined> {
  if (job.saver !== 'agentstore') return undefined;
  const engineFile = FROM_SOURCES ? join('src', 'pg-engine.ts') : join('dist', 'pg-engine.js');
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'adapter-postgres', engineFile);
  const engine = (await import(pathToFileURL(path).href)) as {
    commitStats?: { groups: number; transactions: number; inlineCommits: number };
  };
  return engine.commitStats;
}

async function main(): Promise<void> {
  const job = await new Promise<FleetJob>((resolve) => process.once('message', (m) => resolve(m as FleetJob)));
  const { saver, close } = await openSaver(job);
  // Each thread's first checkpoint is written before the clock starts (the tables and the pool warm up).
  const configs = await Promise.all(
    Array.from({ length: job.threads }, (_, t) => {
      const first = superstep(0);
      const config = { configurable: { thread_id: `fleet-${job.worker}-${t}`, checkpoint_ns: '' } };
      return saver.put(config, first.checkpoint, { source: 'input', step: 0, parents: {} }, first.versions);
    }),
  );
  const steps = configs.map(() => 1);
  process.send?.({ ready: true });
  const go = await new Promise<Go>((resolve) => process.once('message', (m) => resolve(m as Go)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, go.startAt - Date.now())));
  // Warm-up ends when this process has run `warmupSupersteps` (V8 has optimized the hot paths: right
  // after start a superstep costs 2–3× the CPU it costs warm, and a process doing 1/8 of the work
  // warms 8× slower) and every other worker has too; the parent then sends the window.
  let measureFrom = Number.POSITIVE_INFINITY;
  let stopAt = Number.POSITIVE_INFINITY;
  let completed = 0;
  let warmedSent = false;
  const warmUntil = go.startAt + go.warmupMs;
  const latenciesUs: number[] = [];
  const counters = await commitCounters(job);
  // CPU and commit counters at the window's edges (timers fire a little late on a busy loop; the
  // window's supersteps are counted by completion time, so the two windows match closely).
  let atStart = { cpu: process.cpuUsage(), switches: contextSwitches(), groups: 0, transactions: 0, inlineCommits: 0 };
  let atEnd = atStart;
  const mark = () => ({
    cpu: process.cpuUsage(),
    switches: contextSwitches(),
    groups: counters?.groups ?? 0,
    transactions: counters?.transactions ?? 0,
    inlineCommits: counters?.inlineCommits ?? 0,
  });
  let startTimer: NodeJS.Timeout | undefined;
  let endTimer: NodeJS.Timeout | undefined;
  process.once('message', (m) => {
    measureFrom = (m as Measure).measureFrom;
    stopAt = measureFrom + go.measureMs;
    startTimer = setTimeout(() => (atStart = mark()), Math.max(0, measureFrom - Date.now()));
    endTimer = setTimeout(() => (atEnd = mark()), Math.max(0, stopAt - Date.now()));
  });
  const noteCompleted = () => {
    completed++;
    if (!warmedSent && completed >= go.warmupSupersteps && Date.now() >= warmUntil) {
      warmedSent = true;
      process.send?.({ warmed: true });
    }
  };
  let errors = 0;
  let firstError: string | undefined;
  const writer = async (t: number) => {
    while (Date.now() < stopAt) {
      const step = steps[t] as number;
      const { checkpoint, versions } = superstep(step);
      const began = performance.now();
      try {
        const config = configs[t] as RunnableConfig;
        await (saver as unknown as { putWrites(c: RunnableConfig, w: Array<[string, unknown]>, task: string): Promise<void> }).putWrites(
          config,
          [['messages', { role: 'assistant', content: `reply ${step}` }]],
          `task-${step}`,
        );
        configs[t] = await saver.put(config, checkpoint, { source: 'loop', step, parents: {} }, versions);
        steps[t] = step + 1;
        noteCompleted();
        // Counted when it completes inside the window: supersteps/s is completions per second.
        const done = Date.now();
        if (done >= measureFrom && done <= stopAt) latenciesUs.push((performance.now() - began) * 1000);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: job.threads }, (_, t) => writer(t)));
  if (startTimer) clearTimeout(startTimer);
  if (endTimer) clearTimeout(endTimer);
  const cpuUs = atEnd.cpu.user + atEnd.cpu.system - atStart.cpu.user - atStart.cpu.system;
  const report: FleetReport = {
    supersteps: latenciesUs.length,
    cpuUs,
    switches: atEnd.switches - atStart.switches,
    ...(counters
      ? {
          groups: atEnd.groups - atStart.groups,
          transactions: atEnd.transactions - atStart.transactions,
          inlineCommits: atEnd.inlineCommits - atStart.inlineCommits,
        }
      : {}),
    latenciesUs,
    errors,
    ...(firstError ? { firstError } : {}),
  };
  // Wait until the report is handed to the channel: disconnecting right after a large send drops it.
  await new Promise<void>((resolve, reject) => process.send?.(report, undefined, {}, (error) => (error ? reject(error) : resolve())));
  await close();
  process.disconnect?.();
}

await main();
