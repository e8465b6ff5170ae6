/**
 * Many threads (issue 17 item 5): a server's load. 100 LangGraph threads run concurrently in one
 * process, each invoking the same compiled `StateGraph` (5 nodes in a cycle, 20 supersteps per run, no
 * model latency) once, with `durability: 'sync'` so each superstep's checkpoint is committed before the
 * next one starts. The savers: `AgentstoreSaver` on sqlite, lmdb, level and postgres (each
 * at its `balanced` default), against `SqliteSaver`, `PostgresSaver` and `MemorySaver`, in the same run.
 * Rows: supersteps per second (all threads, until the last ends), p50/p99 of one superstep (the
 * time from one superstep's update to the next in one thread), and, in the note, the durability each
 * side gives. Targets (reported): ≥ 3× `SqliteSaver` on sqlite and lmdb, ≥ 2× `PostgresSaver` on postgres.
 */
import { join } from 'node:path';
import { createStore, type Store, type StoreConfig } from '@agentstore/core';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { Context } from '../context.js';
import { selected } from '../context.js';
import type { Row, TargetCheck } from '../results.js';
import { Recorder, type Summary } from '../stats.js';
import { dropSchemas, ownSchema, PG_URL, postgresUnreachable, runSchema } from '../subjects/raw-postgres.js';

/** Concurrent LangGraph threads (20 in `--quick`, a smoke run). */
export const THREADS = 100;
const QUICK_THREADS = 20;
/** Nodes of the graph (a cycle: n0 → … → n4 → n0 until the run's last superstep). */
export const NODES = 5;
/** Node supersteps of one run. */
export const SUPERSTEPS = 20;
/** Connections of each postgres saver's pool (the same for both). */
const PG_POOL = 10;

/** The backends the section runs `AgentstoreSaver` on (each a `--only threads:<backend>` name). */
const BACKENDS = ['sqlite', 'lmdb', 'level', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];

/** One saver under test. */
interface Subject {
  readonly impl: 'AgentstoreSaver' | 'SqliteSaver' | 'PostgresSaver' | 'MemorySaver';
  /** The backend column: the adapter, or where the stock saver stores. */
  readonly backend: string;
  /** What a committed superstep survives, in words. */
  readonly durability: string;
  open(): Promise<{ saver: BaseCheckpointSaver; close(): Promise<void> }>;
}

/** What one subject measured. */
interface Measured {
  readonly subject: Subject;
  readonly summary: Summary;
  readonly runs: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** Durability of each side, as the engines are configured (see each adapter's README and ENGINE-NOTES). */
const DURABILITY = {
  sqlite: 'WAL, synchronous NORMAL: no fsync per commit (survives a process crash, not power loss)',
  lmdb: 'one fdatasync per commit (group commit shares it)',
  level: 'LevelDB log write, no fsync per commit (survives a process crash, not power loss)',
  postgres: 'WAL flushed per commit (synchronous_commit, group commit shares it)',
  SqliteSaver: 'WAL, synchronous NORMAL: no fsync per commit (survives a process crash, not power loss)',
  PostgresSaver: 'WAL flushed per commit (server default synchronous_commit = on)',
  MemorySaver: 'memory only: nothing survives the process',
} as const;

type GraphState = { step: number; log: string[] };

/** The graph every thread runs, compiled with `saver`. */
async function compiled(saver: BaseCheckpointSaver) {
  const { Annotation, END, START, StateGraph } = await import('@langchain/langgraph');
  const State = Annotation.Root({
    step: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }),
    // A small growing channel, so a checkpoint carries some state (the last 8 entries).
    log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b].slice(-8), default: () => [] }),
  });
  const node = (i: number) => (s: GraphState) => ({ step: s.step + 1, log: [`n${i} at step ${s.step}`] });
  // biome-ignore lint/suspicious/noExplicitAny: LangGraph's builder types narrow node names per call.
  let g: any = new StateGraph(State);
  for (let i = 0; i < NODES; i++) g = g.addNode(`n${i}`, node(i));
  g = g.addEdge(START, 'n0');
  for (let i = 0; i + 1 < NODES; i++) g = g.addEdge(`n${i}`, `n${i + 1}`);
  g = g.addConditionalEdges(`n${NODES - 1}`, (s: GraphState) => (s.step >= SUPERSTEPS ? END : 'n0'));
  return g.compile({ checkpointer: saver }) as {
    stream(input: GraphState, options: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  };
}

/**
 * Runs THREADS threads on `saver` at once, each one run of SUPERSTEPS supersteps (a fixed amount of
 * work rather than a time window: under load one superstep of 100 interleaved threads takes seconds).
 * Supersteps/s is all supersteps over the wall time until the last thread ends.
 */
async function measure(saver: BaseCheckpointSaver, threads: number): Promise<Omit<Measured, 'subject'>> {
  const graph = await compiled(saver);
  // One untimed run first: LangGraph loads modules lazily on its first run, the saver creates its tables.
  for await (const _ of await graph.stream({ step: 0, log: [] }, { configurable: { thread_id: 'warm-up' }, durability: 'sync' })) {
  }
  globalThis.gc?.();
  const recorder = new Recorder(threads * SUPERSTEPS);
  let runs = 0;
  let errors = 0;
  let firstError: string | undefined;
  const thread = async (t: number) => {
    const config = { configurable: { thread_id: `thread-${t}` }, streamMode: 'updates', durability: 'sync' };
    try {
      let last = performance.now();
      for await (const _ of await graph.stream({ step: 0, log: [] }, config)) {
        const now = performance.now();
        recorder.add((now - last) * 1e6);
        last = now;
      }
      runs++;
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message.split('\n')[0];
    }
  };
  const began = process.hrtime.bigint();
  await Promise.all(Array.from({ length: threads }, (_, t) => thread(t)));
  recorder.addWall(Number(process.hrtime.bigint() - began));
  return { summary: recorder.summary(), runs, errors, ...(firstError ? { firstError } : {}) };
}

type Adapter = NonNullable<StoreConfig['adapters']>[number];

async function loadAdapter(name: Backend): Promise<Adapter> {
  const mod = (await import(`@agentstore/adapter-${name}`)) as Record<string, Adapter>;
  return mod[`${name}Adapter`] as Adapter;
}

/** `AgentstoreSaver` on a fresh store routed to `backend` (its `balanced` default). */
function agentstoreSubject(ctx: Context, backend: Backend, schemas: string[]): Subject {
  return {
    impl: 'AgentstoreSaver',
    backend,
    durability: DURABILITY[backend],
    open: async () => {
      const adapter = await loadAdapter(backend);
      let options: Record<string, unknown> = {};
      if (backend === 'postgres') {
        const schema = `${runSchema()}_threads_as`;
        ownSchema(schema);
        schemas.push(schema);
        options = { connectionString: PG_URL, schema, poolSize: PG_POOL };
      }
      const store: Store = await createStore({
        dataDir: ctx.tempDir(`threads-${backend}`),
        adapters: [adapter],
        default: { adapter: adapter.name, ...(Object.keys(options).length > 0 ? { options } : {}) },
      });
      const { AgentstoreSaver } = (await import('@agentstore/langgraph')) as unknown as {
        AgentstoreSaver: new (store: Store) => BaseCheckpointSaver;
      };
      return { saver: new AgentstoreSaver(store), close: () => store.close() };
    },
  };
}

function sqliteSaverSubject(ctx: Context): Subject {
  return {
    impl: 'SqliteSaver',
    backend: 'sqlite',
    durability: DURABILITY.SqliteSaver,
    open: async () => {
      const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
      const saver = SqliteSaver.fromConnString(join(ctx.tempDir('threads-sqlitesaver'), 'saver.db'));
      return { saver, close: async () => void (saver as unknown as { db: { close(): void } }).db.close() };
    },
  };
}

function postgresSaverSubject(schemas: string[]): Subject {
  return {
    impl: 'PostgresSaver',
    backend: 'postgres',
    durability: DURABILITY.PostgresSaver,
    open: async () => {
      const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
      const pg = (await import('pg')).default;
      const schema = `${runSchema()}_threads_pg`;
      ownSchema(schema);
      schemas.push(schema);
      const pool = new pg.Pool({ connectionString: PG_URL, max: PG_POOL, application_name: 'agentstore-bench-threads' });
      pool.on('error', () => {});
      const saver = new PostgresSaver(pool, undefined, { schema });
      await saver.setup();
      return { saver, close: () => pool.end() };
    },
  };
}

function memorySaverSubject(): Subject {
  return {
    impl: 'MemorySaver',
    backend: 'memory',
    durability: DURABILITY.MemorySaver,
    open: async () => {
      const { MemorySaver } = await import('@langchain/langgraph-checkpoint');
      return { saver: new MemorySaver(), close: async () => {} };
    },
  };
}

/** The stock saver an `AgentstoreSaver` row on `backend` is compared with, and its target. */
function peerOf(backend: string): { label: 'SqliteSaver' | 'PostgresSaver'; target?: number } {
  if (backend === 'postgres') return { label: 'PostgresSaver', target: 2 };
  return backend === 'level' ? { label: 'SqliteSaver' } : { label: 'SqliteSaver', target: 3 };
}

/** The many-threads rows; `--only threads` (or `threads:<backend>`) runs it alone. */
export async function threadsSection(ctx: Context): Promise<void> {
  const threads = ctx.quick ? QUICK_THREADS : THREADS;
  const schemas: string[] = [];
  let backends = BACKENDS.filter((b) => selected(ctx, 'threads', b));
  // Without a server the postgres rows are left out; the postgres backend's skip line says why.
  if (backends.includes('postgres') && (await postgresUnreachable(PG_URL))) backends = backends.filter((b) => b !== 'postgres');
  if (backends.length === 0) return;
  const subjects: Subject[] = [memorySaverSubject()];
  if (backends.some((b) => b !== 'postgres')) subjects.push(sqliteSaverSubject(ctx));
  for (const b of backends) if (b !== 'postgres') subjects.push(agentstoreSubject(ctx, b, schemas));
  if (backends.includes('postgres')) subjects.push(postgresSaverSubject(schemas), agentstoreSubject(ctx, 'postgres', schemas));

  const measured: Measured[] = [];
  try {
    for (const subject of subjects) {
      ctx.progress.step(`threads · ${threads} threads × ${SUPERSTEPS} supersteps · ${subject.impl} · ${subject.backend}`);
      let opened: Awaited<ReturnType<Subject['open']>>;
      try {
        opened = await subject.open();
      } catch (err) {
        ctx.results.skip(`threads:${subject.impl}:${subject.backend}`, `cannot be opened: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      try {
        measured.push({ subject, ...(await measure(opened.saver, threads)) });
      } finally {
        await opened.close();
      }
    }
  } finally {
    if (schemas.length > 0) await dropSchemas(PG_URL, schemas).catch(() => {});
  }
  const memory = measured.find((m) => m.subject.impl === 'MemorySaver');
  for (const m of measured) ctx.results.add(rowOf(m, measured, memory, threads));
}

/** A subject's row: stock savers plain, `AgentstoreSaver` with its ratio to the stock saver of its backend. */
function rowOf(m: Measured, all: readonly Measured[], memory: Measured | undefined, threads: number): Row {
  const { subject, summary } = m;
  const ofMemory =
    memory && memory !== m && memory.summary.opsPerSec > 0
      ? `; ${(summary.opsPerSec / memory.summary.opsPerSec).toFixed(2)}× MemorySaver`
      : '';
  const failed = m.errors > 0 ? `; ${m.errors} runs failed (${m.firstError})` : '';
  const base = {
    section: 'threads',
    op: `superstep, ${threads} threads × ${NODES}-node graph`,
    backend: subject.backend,
    impl: subject.impl,
    summary,
    note: `durability: ${subject.durability}; ${m.runs} runs of ${SUPERSTEPS} supersteps${ofMemory}${failed}`,
    extra: { threads, runs: m.runs, errors: m.errors, durability: subject.durability },
  };
  if (subject.impl !== 'AgentstoreSaver') return base;
  const peer = peerOf(subject.backend);
  const theirs = all.find((x) => x.subject.impl === peer.label)?.summary;
  if (theirs === undefined || theirs.opsPerSec <= 0) return base;
  const ratio = summary.opsPerSec / theirs.opsPerSec;
  const targets: TargetCheck[] | undefined =
    peer.target === undefined ? undefined : [{ text: `supersteps/s ≥ ${peer.target}× ${peer.label}`, pass: ratio >= peer.target }];
  return {
    ...base,
    ratio,
    p50Ratio: theirs.p50Us > 0 ? summary.p50Us / theirs.p50Us : Number.NaN,
    baseline: peer.label,
    ...(targets ? { targets } : {}),
  };
}
