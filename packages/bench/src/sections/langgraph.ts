import { join } from 'node:path';
import type { Store } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import { type Checkpoint, type CheckpointMetadata, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Context } from '../context.js';
import type { Budget } from '../measure.js';
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

/** The domains an `AgentstoreSaver` uses. */
export interface SaverDomains {
  readonly checkpoints: string;
  readonly writes: string;
  readonly heads: string;
}

/** The saver's domains in the bench store (the store's default route). */
const SAVER_DOMAINS: SaverDomains = { checkpoints: 'lg_checkpoints', writes: 'lg_writes', heads: 'lg_heads' };

/** The same saver's domains routed in `fast` durability (SPEC §9.2 write-behind) for the `put (fast)` row. */
const FAST_SAVER_DOMAINS: SaverDomains = { checkpoints: 'lgf_checkpoints', writes: 'lgf_writes', heads: 'lgf_heads' };

/** Builds an `AgentstoreSaver` over a store (on `domains`, default the `lg_*` ones), or says why it cannot. */
export type SaverFactory = (store: Store, domains?: SaverDomains) => Saver;

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
  const Ctor = mod.AgentstoreSaver as (new (store: Store, domains: SaverDomains) => Saver) | undefined;
  if (typeof Ctor !== 'function') return `${LANGGRAPH_PACKAGE} does not export AgentstoreSaver yet`;
  return (store, domains = SAVER_DOMAINS) => new Ctor(store, domains);
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
  /**
   * The targets against it, when it has some (factors): issue 17's `getTuple`, `put` (where it sets
   * one at the peer's durability) and `put` in `fast`; issue 5's `list` without namespace.
   */
  readonly targets?: { readonly getTuple: number; readonly put?: number; readonly list: number; readonly putFast?: number };
  close(): Promise<void>;
}

/**
 * `SqliteSaver` on its own SQLite file. Issue 17's targets: on sqlite (same durability) getTuple 2×,
 * put 1.5×; on lmdb getTuple 5× and put 5× in `fast` (a `balanced` put there is one fdatasync, which
 * SqliteSaver's commit is not, so issue 17 sets no target for it); issue 5's list 10×.
 */
export function sqlitePeer(ctx: Context, backend: string): PeerSaver {
  const saver = SqliteSaver.fromConnString(join(ctx.tempDir(`sqlitesaver-${backend}`), 'saver.db'));
  return {
    label: 'SqliteSaver',
    saver: saver as unknown as Saver,
    where: 'SqliteSaver on its own sqlite file',
    targets: backend === 'lmdb' ? { getTuple: 5, list: 10, putFast: 5 } : { getTuple: 2, put: 1.5, list: 10 },
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
  // Checkpoints for the fill, the `put` row and the `put (fast)` row (the peer's thread takes both).
  const total = sizes.peerThread + 2 * (sizes.peerOps.ops + sizes.peerOps.warmup + 1);
  const checkpoints = Array.from({ length: total }, (_, i) => checkpointOf(i));
  ctx.progress.step(`langgraph · fill ${sizes.peerThread} checkpoints · ${backend}`);
  for (let i = 0; i < sizes.peerThread; i++) {
    await ours.put(checkpoints[i] as ReturnType<typeof checkpointOf>);
    await theirs.put(checkpoints[i] as ReturnType<typeof checkpointOf>);
  }
  const atLeast =
    (min: number) =>
    (o: Summary, t: Summary): TargetCheck[] => [{ text: `ops/s ≥ ${min}× ${peer.label}`, pass: o.opsPerSec >= min * t.opsPerSec }];
  // Reads warm up for at least 300 ms as well as 1,000 calls: on a loaded machine the first
  // thousands of getTuple calls still ran before V8 had optimized our path (24 µs, then 15 µs in one
  // process; SqliteSaver's native JSON.parse path 20 µs, then 19 µs). Puts keep the count: each call
  // takes the next prepared checkpoint.
  const readBudget: Budget = { ...sizes.peerOps, warmupMs: 300 };
  const spec = (op: string, min?: number, budget: Budget = readBudget): PairSpec => ({
    section: 'langgraph',
    op,
    backend,
    impl: 'AgentstoreSaver',
    baselineLabel: peer.label,
    budget,
    note: `thread of ${sizes.peerThread.toLocaleString('en-US')}; ${peer.where}`,
    ...(min !== undefined ? { targets: atLeast(min) } : {}),
  });
  const latest = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
  const anyNs = { configurable: { thread_id: threadId } };
  await runPair(
    ctx,
    spec('getTuple (latest)', peer.targets?.getTuple),
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
    spec('put', peer.targets?.put, sizes.peerOps),
    () => ours.put(checkpoints[next++] as ReturnType<typeof checkpointOf>),
    () => theirs.put(checkpoints[theirNext++] as ReturnType<typeof checkpointOf>),
  );
  await fastPutRow(ctx, backend, store, factory, peer, theirs, (ours) => {
    const at = { ours: sizes.peerThread, theirs: theirNext };
    return {
      ours: () => ours.put(checkpoints[at.ours++] as ReturnType<typeof checkpointOf>),
      theirs: () => theirs.put(checkpoints[at.theirs++] as ReturnType<typeof checkpointOf>),
    };
  });
}

/**
 * `put` with the saver's domains in `fast` durability (issue 17 item 3: write-behind, acknowledged
 * once queued). So that the batched commits are paid inside the measured time, not during the peer's
 * turn, `fastMaxBatch` is one round: the last put of each round fills the batch and waits for its
 * commit (the write-behind backpressure), so each round pays exactly the commit `fast` makes. A
 * `store.sync()` per round would also pay a durable flush (on lmdb a second fdatasync, of the meta
 * page), which `fast` never makes and SqliteSaver's unsynced WAL commit does not either; one ends the
 * warmup, unmeasured, so that the rounds start on an empty queue. The peer is the same `SqliteSaver`
 * thread as in the `put` row.
 */
async function fastPutRow(
  ctx: Context,
  backend: string,
  store: Store,
  factory: SaverFactory,
  peer: PeerSaver,
  theirs: Thread,
  ops: (ours: Thread) => { ours: () => Promise<void>; theirs: () => Promise<void> },
): Promise<void> {
  const { budget } = { budget: ctx.sizes.peerOps };
  const perRound = Math.ceil(budget.ops / budget.rounds);
  const route = store.domainConfig(SAVER_DOMAINS.checkpoints);
  const fast = { ...route.options, durability: 'fast' as const, fastMaxBatch: perRound };
  for (const domain of Object.values(FAST_SAVER_DOMAINS)) {
    await store.configureDomain(domain, { adapter: route.adapter, options: fast });
  }
  const ours = new Thread(factory(store, FAST_SAVER_DOMAINS), theirs.threadId);
  const run = ops(ours);
  let done = 0;
  const min = peer.targets?.putFast;
  await runPair(
    ctx,
    {
      section: 'langgraph',
      op: "put, durability 'fast'",
      backend,
      impl: 'AgentstoreSaver',
      baselineLabel: peer.label,
      budget,
      note: `write-behind (fastWindowMs 10, fastMaxBatch ${perRound}: the last put of each round waits for its batch's commit, counted; a store.sync() ends the warmup); ${peer.where}`,
      ...(min !== undefined
        ? {
            targets: (o: Summary, t: Summary): TargetCheck[] => [
              { text: `ops/s ≥ ${min}× ${peer.label}`, pass: o.opsPerSec >= min * t.opsPerSec },
            ],
          }
        : {}),
    },
    async () => {
      await run.ours();
      if (++done === budget.warmup) await store.sync(FAST_SAVER_DOMAINS.checkpoints);
    },
    run.theirs,
  );
  await store.sync(FAST_SAVER_DOMAINS.checkpoints);
}
