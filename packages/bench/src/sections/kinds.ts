/**
 * Journal, versioned and snapshots (issue 7), each against the agentstore operation a user would
 * otherwise reach for, and snapshots `get` on an unchanged epoch against decoding the snapshot.
 */
import { defaultCodec, type Store } from '@agentstore/core';
import type { Context } from '../context.js';
import type { Budget } from '../measure.js';
import type { Summary } from '../stats.js';
import { runPair } from './pair.js';

/** Domains this section writes (routed to the backend under test by the store's default route). */
export const KIND_DOMAINS = {
  journal: 'bench_journal',
  versioned: 'bench_versioned',
  snapshots: 'bench_snapshots',
  kv: 'bench_kinds_kv',
} as const;

const STREAM_LENGTH = 10_000;
const READ = 100;
const VERSIONS = 10;

/** A catalog like the ones agents swap whole: models, tools and prompts (about 150 KB encoded). */
export function benchCatalog(models = 500) {
  return {
    models: Array.from({ length: models }, (_, i) => ({
      id: `model-${i}`,
      provider: ['a', 'b', 'c'][i % 3],
      context: 8_192 * (1 + (i % 16)),
      prices: { input: i / 1e6, output: (2 * i) / 1e6 },
      tags: ['chat', i % 2 ? 'tools' : 'vision'],
    })),
    tools: Array.from({ length: 100 }, (_, i) => ({ name: `tool_${i}`, args: [{ name: 'query', type: 'string', required: true }] })),
    prompts: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`prompt_${i}`, `You are agent ${i}. `.repeat(8)])),
  };
}

const event = (i: number) => ({ type: 'tool_call', step: i, tool: 'search', args: { query: `q${i}` } });

/** The kinds section on one backend; `store` routes every domain to it. */
export async function kindsSection(ctx: Context, backend: string, store: Store): Promise<void> {
  const budget = (ops: number, maxMs: number): Budget =>
    ctx.quick ? { ops: Math.min(ops, 50), warmup: 5, maxMs: 500, rounds: 1 } : { ops, warmup: Math.ceil(ops / 10), maxMs, rounds: 2 };
  const kv = store.kv(KIND_DOMAINS.kv);
  const journal = store.journal(KIND_DOMAINS.journal);
  const versioned = store.versioned(KIND_DOMAINS.versioned);
  const snapshots = store.snapshots(KIND_DOMAINS.snapshots);
  const pair = { section: 'kinds', backend } as const;

  ctx.progress.step(`kinds · preload · ${backend}`);
  const length = ctx.quick ? 500 : STREAM_LENGTH;
  for (let from = 0; from < length; from += 500) {
    await journal.append(
      'read',
      Array.from({ length: 500 }, (_, k) => event(from + k)),
    );
    await kv.putMany(Array.from({ length: 500 }, (_, k) => [['read', from + k], event(from + k)] as [[string, number], unknown]));
  }
  for (let v = 0; v < VERSIONS; v++) await versioned.put('belief', { v }, { validFrom: 0 });
  await kv.put('belief', { v: VERSIONS - 1 });

  await runPair(
    ctx,
    { ...pair, op: 'journal append ×1', budget: budget(3_000, 5_000), impl: 'agentstore journal', baselineLabel: 'agentstore kv.put' },
    (i) => journal.append('live', [event(i)]),
    (i) => kv.put(['live', i], event(i)),
  );
  await runPair(
    ctx,
    {
      ...pair,
      op: `journal read ${READ} newest of ${length.toLocaleString('en-US')}`,
      budget: budget(2_000, 4_000),
      impl: 'agentstore journal',
      baselineLabel: 'agentstore kv range',
    },
    () => journal.read('read', { reverse: true, limit: READ }),
    async () => {
      const out = [];
      for await (const entry of kv.entries({ prefix: ['read'], reverse: true, limit: READ })) out.push(entry);
      return out;
    },
  );
  await runPair(
    ctx,
    { ...pair, op: 'versioned put', budget: budget(3_000, 5_000), impl: 'agentstore versioned', baselineLabel: 'agentstore kv.put' },
    (i) => versioned.put(['fact', i % 100], { i }),
    (i) => kv.put(['fact', i % 100], { i }),
  );
  await runPair(
    ctx,
    {
      ...pair,
      op: `versioned get (now, ${VERSIONS} versions)`,
      budget: budget(20_000, 4_000),
      impl: 'agentstore versioned',
      baselineLabel: 'agentstore kv.get',
    },
    () => versioned.get('belief'),
    () => kv.get('belief'),
  );
  // Bitemporal scan (SPEC §9.5): the 100 facts written above, as of now, against the kv range that
  // reads the same keys (the scan also reads each key's newest version, a point read per key).
  await runPair(
    ctx,
    {
      ...pair,
      op: `versioned scan ${READ} keys (now)`,
      budget: budget(1_000, 4_000),
      impl: 'agentstore versioned',
      baselineLabel: 'agentstore kv range',
    },
    () => versioned.scan({ prefix: ['fact'], limit: READ }),
    async () => {
      const out = [];
      for await (const entry of kv.entries({ prefix: ['fact'], limit: READ })) out.push(entry);
      return out;
    },
  );
  await runPair(
    ctx,
    {
      ...pair,
      op: 'versioned retract',
      budget: budget(3_000, 5_000),
      impl: 'agentstore versioned',
      baselineLabel: 'agentstore versioned put',
    },
    (i) => versioned.retract(['gone', i % 100]),
    (i) => versioned.put(['gone', i % 100], { i }),
  );

  const catalog = benchCatalog();
  const encoded = defaultCodec.encode(catalog);
  await snapshots.put(catalog, { source: 'bench' });
  await snapshots.get();
  await runPair(
    ctx,
    {
      ...pair,
      op: `snapshots get, unchanged epoch (${Math.round(encoded.byteLength / 1024)} KiB)`,
      budget: budget(20_000, 4_000),
      impl: 'agentstore snapshots',
      baselineLabel: 'default codec decode',
      note: 'baseline: decoding the snapshot bytes (no read, no freeze)',
      targets: (ours: Summary, theirs: Summary) => [{ text: 'ops/s ≥ 20× decode', pass: ours.opsPerSec >= 20 * theirs.opsPerSec }],
    },
    () => snapshots.get(),
    () => defaultCodec.decode(encoded),
  );

  // Catalog lookups (issue 22): a model by alias from the epoch's frozen view, against a Map.get on
  // a Map built by hand from the same records; then the async lookup, which polls the epoch first.
  await snapshots.put(catalog, { source: 'bench' }, { indexes: { models: { path: 'models', aliases: 'aliases' } } });
  const models = benchCatalog().models;
  const byId = new Map(models.map((m) => [m.id, m]));
  const ids = models.map((m) => m.id);
  const view = await snapshots.catalog().current();
  if (view === undefined) throw new Error('the bench catalog was not stored');
  await runPair(
    ctx,
    {
      ...pair,
      op: `catalog lookup, frozen view (${models.length} models)`,
      budget: budget(200_000, 3_000),
      impl: 'agentstore catalog view',
      baselineLabel: 'Map.get',
      note: 'both synchronous; each op is timed, so the timer is most of either cost (and pauses of the machine weigh on ops/s)',
      // On the median: a ~50 ns operation's mean is decided by the machine's pauses, not by the lookup.
      targets: (ours: Summary, theirs: Summary) => [{ text: 'p50 ≤ 2× Map.get', pass: ours.p50Us <= 2 * theirs.p50Us }],
    },
    (i) => view.lookup('models', ids[i % ids.length] as string),
    (i) => byId.get(ids[i % ids.length] as string),
  );
  const lookups = snapshots.catalog();
  await runPair(
    ctx,
    {
      ...pair,
      op: 'catalog lookup, epoch checked',
      budget: budget(20_000, 4_000),
      impl: 'agentstore catalog.lookup',
      baselineLabel: 'agentstore snapshots get',
      note: 'baseline: the epoch poll alone (snapshots.get on an unchanged epoch)',
      targets: (ours: Summary, theirs: Summary) => [{ text: 'ops/s ≥ 0.8× get', pass: ours.opsPerSec >= 0.8 * theirs.opsPerSec }],
    },
    (i) => lookups.lookup('models', ids[i % ids.length] as string),
    () => snapshots.get(),
  );
}
