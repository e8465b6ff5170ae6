import { join } from 'node:path';
import type { Store } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import { type Checkpoint, type CheckpointMetadata, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Context } from '../context.js';
import type { TargetCheck } from '../results.js';
import type { Summary } from '../stats.js';
import { type PairSpec, runPair } from './pair.js';

/** The part of a LangGraph checkpoint saver the comparison calls. */
export interface Saver {
  put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: Record<string, number>,
  ): Promise<RunnableConfig>;
  getTuple(config: RunnableConfig): Promise<unknown>;
  list(config: RunnableConfig, options?: { limit?: number }): AsyncGenerator<unknown>;
}

/** Builds an `AgentstoreSaver` over a store, or says why it cannot. */
export type SaverFactory = (store: Store) => Saver;

// Imported by name at run time: the package may not have landed (or be half-written) when this runs.
const LANGGRAPH_PACKAGE = '@agentstore/langgraph';

/**
 * HOOK for issue 3's `AgentstoreSaver`: returns a factory when `@agentstore/langgraph` exports it,
 * otherwise the one-line reason the LangGraph section is skipped. Constructed as issue 3 specifies:
 * `new AgentstoreSaver(store, { checkpoints, writes })`.
 */
export async function loadAgentstoreSaver(): Promise<SaverFactory | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(LANGGRAPH_PACKAGE)) as Record<string, unknown>;
  } catch (err) {
    return `${LANGGRAPH_PACKAGE} cannot be loaded yet (${(err as Error).message.split('\n')[0]})`;
  }
  const Ctor = mod.AgentstoreSaver as (new (store: Store, domains: Record<string, string>) => Saver) | undefined;
  if (typeof Ctor !== 'function') return `${LANGGRAPH_PACKAGE} does not export AgentstoreSaver yet`;
  return (store) => new Ctor(store, { checkpoints: 'lg_checkpoints', writes: 'lg_writes', heads: 'lg_heads' });
}

/** A LangGraph checkpoint of step `step` (a growing message channel and a step channel). */
function checkpointOf(step: number): { checkpoint: Checkpoint; metadata: CheckpointMetadata; versions: Record<string, number> } {
  const base = emptyCheckpoint();
  const messages = Array.from({ length: 4 }, (_, k) => ({
    role: k % 2 ? 'assistant' : 'user',
    content: `message ${step}.${k} `.repeat(8),
  }));
  const checkpoint: Checkpoint = {
    ...base,
    id: uuid6(-1),
    channel_values: { messages, step },
    channel_versions: { messages: step + 1, step: step + 1 },
    versions_seen: { agent: { messages: step } },
  };
  return { checkpoint, metadata: { source: 'loop', step, parents: {} }, versions: { messages: step + 1, step: step + 1 } };
}

/** One saver's thread: keeps the config of its latest checkpoint so puts chain like a running graph. */
class Thread {
  #config: RunnableConfig;
  constructor(
    readonly saver: Saver,
    readonly threadId: string,
  ) {
    this.#config = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
  }
  async put(c: ReturnType<typeof checkpointOf>): Promise<void> {
    this.#config = await this.saver.put(this.#config, c.checkpoint, c.metadata, c.versions);
  }
}

async function drain(it: AsyncGenerator<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

/** The stock LangGraph saver an `AgentstoreSaver` row is compared with. */
export interface PeerSaver {
  /** Its name in the table (`SqliteSaver`, `PostgresSaver`). */
  readonly label: string;
  readonly saver: Saver;
  /** Where it stores, for the note. */
  readonly where: string;
  /** Issue 5's targets against it, when it has some: `put`/`getTuple` and `list` without namespace factors. */
  readonly targets?: { readonly putGet: number; readonly list: number };
  close(): Promise<void>;
}

/** `SqliteSaver` on its own SQLite file; issue 5's targets: 2× (sqlite route) or 5× (lmdb), list 10×. */
export function sqlitePeer(ctx: Context, backend: string): PeerSaver {
  const saver = SqliteSaver.fromConnString(join(ctx.tempDir(`sqlitesaver-${backend}`), 'saver.db'));
  return {
    label: 'SqliteSaver',
    saver: saver as unknown as Saver,
    where: 'SqliteSaver on its own sqlite file',
    targets: { putGet: backend === 'lmdb' ? 5 : 2, list: 10 },
    close: async () => void (saver as unknown as { db: { close(): void } }).db.close(),
  };
}

/**
 * `PostgresSaver` (`@langchain/langgraph-checkpoint-postgres`) on its own pool and schema of the same
 * server, set up (tables created) before it is measured. No issue sets a target against it.
 */
export async function postgresPeer(url: string, schema: string): Promise<PeerSaver> {
  const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
  const saver = PostgresSaver.fromConnString(url, { schema });
  await saver.setup();
  return {
    label: 'PostgresSaver',
    saver: saver as unknown as Saver,
    where: 'PostgresSaver in its own schema, same server',
    close: () => saver.end(),
  };
}

/**
 * `AgentstoreSaver` (on one adapter route) against a stock saver on the same checkpoints: `getTuple`,
 * `list({ limit: 10 })` without and with `checkpoint_ns`, then `put`.
 */
export async function langgraphSection(ctx: Context, backend: string, store: Store, factory: SaverFactory, peer: PeerSaver): Promise<void> {
  const { sizes } = ctx;
  const threadId = 'peer-thread';
  const ours = new Thread(factory(store), threadId);
  const theirs = new Thread(peer.saver, threadId);
  const total = sizes.peerThread + sizes.peerOps.ops + sizes.peerOps.warmup + 1;
  const checkpoints = Array.from({ length: total }, (_, i) => checkpointOf(i));
  ctx.progress.step(`langgraph · fill ${sizes.peerThread} checkpoints · ${backend}`);
  for (let i = 0; i < sizes.peerThread; i++) {
    await ours.put(checkpoints[i] as ReturnType<typeof checkpointOf>);
    await theirs.put(checkpoints[i] as ReturnType<typeof checkpointOf>);
  }
  const atLeast =
    (min: number) =>
    (o: Summary, t: Summary): TargetCheck[] => [{ text: `ops/s ≥ ${min}× ${peer.label}`, pass: o.opsPerSec >= min * t.opsPerSec }];
  const spec = (op: string, min?: number): PairSpec => ({
    section: 'langgraph',
    op,
    backend,
    impl: 'AgentstoreSaver',
    baselineLabel: peer.label,
    budget: sizes.peerOps,
    note: `thread of ${sizes.peerThread.toLocaleString('en-US')}; ${peer.where}`,
    ...(min !== undefined ? { targets: atLeast(min) } : {}),
  });
  const latest = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
  const anyNs = { configurable: { thread_id: threadId } };
  await runPair(
    ctx,
    spec('getTuple (latest)', peer.targets?.putGet),
    () => ours.saver.getTuple(latest),
    () => theirs.saver.getTuple(latest),
  );
  await runPair(
    ctx,
    spec('list({ limit: 10 }), no checkpoint_ns', peer.targets?.list),
    () => drain(ours.saver.list(anyNs, { limit: 10 })),
    () => drain(theirs.saver.list(anyNs, { limit: 10 })),
  );
  await runPair(
    ctx,
    spec("list({ limit: 10 }), checkpoint_ns ''"),
    () => drain(ours.saver.list(latest, { limit: 10 })),
    () => drain(theirs.saver.list(latest, { limit: 10 })),
  );
  let next = sizes.peerThread;
  let theirNext = sizes.peerThread;
  await runPair(
    ctx,
    spec('put', peer.targets?.putGet),
    () => ours.put(checkpoints[next++] as ReturnType<typeof checkpointOf>),
    () => theirs.put(checkpoints[theirNext++] as ReturnType<typeof checkpointOf>),
  );
}
