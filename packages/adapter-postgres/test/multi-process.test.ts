/** Several real processes on one schema: setup races, exact counters, gap-free seq, one CAS winner. */
import { createStore } from '@agentstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdapter } from '../src/index.js';
import { type Child, killAll, spawnChild, tempTarget } from './helpers.js';
import { PG_URL, unreachableReason, withAdmin } from './pg-env.js';

const skipped = await unreachableReason();
if (skipped !== undefined) console.log(`[adapter-postgres] multi-process tests skipped: ${skipped}`);

let children: Child[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  killAll(children);
  children = [];
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function start(n: number, params: (i: number) => Record<string, unknown>): Child[] {
  children = Array.from({ length: n }, (_, i) => spawnChild(params(i)));
  return children;
}

/** Runs `job` in 4 processes (each `count` writes on 2 lanes) released together; the seqs they got, sorted. */
async function seqsOf(target: ReturnType<typeof tempTarget>, job: string, count: number): Promise<number[]> {
  const procs = start(4, (id) => ({ job, url: PG_URL, schema: target.schema, dataDir: target.dataDir, count, lanes: 2, id }));
  await Promise.all(procs.map((c) => c.take('ready')));
  for (const c of procs) c.send('go');
  const reports = await Promise.all(procs.map((c) => c.take<{ seqs: number[] }>('done', 150_000)));
  return reports.flatMap((r) => r.seqs).sort((x, y) => x - y);
}

describe.skipIf(skipped !== undefined)('postgres across processes', () => {
  it('8 processes opening a fresh schema at the same moment: one schema, no error, every process works', { timeout: 120_000 }, async () => {
    const target = tempTarget('setup');
    cleanups.push(target.cleanup);
    const procs = start(8, (id) => ({ job: 'open', url: PG_URL, schema: target.schema, dataDir: target.dataDir, id }));
    await Promise.all(procs.map((c) => c.take('ready')));
    for (const c of procs) c.send('go');
    const done = await Promise.all(procs.map((c) => c.take<{ seen: number }>('done')));
    expect(await Promise.all(procs.map((c) => c.exited))).toEqual(Array(8).fill(0));
    expect(done.map((d) => d.seen).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const catalog = await withAdmin(async (client) => {
      const schemas = await client.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [target.schema]);
      const migrations = await client.query(`SELECT version FROM "${target.schema}".agentstore_migrations ORDER BY version`);
      const tables = await client.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [target.schema]);
      return { schemas: schemas.rows[0].n, versions: migrations.rows.map((r) => r.version), tables: tables.rows.map((r) => r.tablename) };
    });
    expect(catalog).toEqual({ schemas: 1, versions: [1, 2], tables: ['agentstore_meta', 'agentstore_migrations', 'd_opened'] });
    console.log(`[adapter-postgres] setup race: 8 processes, 1 schema, migrations ${catalog.versions.join(',')}, counter reached 8`);
  });

  // Generous bounds: on a loaded 2-core machine 10,000 serialized commits of one key took 26-156 s.
  it('4 processes × 2,500 durable increments of one counter sum exactly, no value handed out twice', { timeout: 330_000 }, async () => {
    const target = tempTarget('counter');
    cleanups.push(target.cleanup);
    const started = performance.now();
    const procs = start(4, () => ({ job: 'counter', url: PG_URL, schema: target.schema, dataDir: target.dataDir, count: 2500, lanes: 4 }));
    await Promise.all(procs.map((c) => c.take('ready')));
    for (const c of procs) c.send('go');
    const reports = await Promise.all(procs.map((c) => c.take<{ values: number[] }>('done', 300_000)));
    const all = reports.flatMap((r) => r.values);
    expect(all).toHaveLength(10_000);
    expect(new Set(all).size).toBe(10_000);
    expect(Math.min(...all)).toBe(1);
    expect(Math.max(...all)).toBe(10_000);
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: target.options },
    });
    expect(await store.kv('tally').get('hits')).toBe(10_000);
    await store.close();
    const ms = Math.round(performance.now() - started);
    console.log(`[adapter-postgres] counters: 4 processes × 2,500 = 10,000 exact, 10,000 distinct values, ${ms} ms`);
  });

  it('checkpoint seq stays gap-free with 4 concurrent savers (4 × 250 → 1..1000)', { timeout: 180_000 }, async () => {
    const target = tempTarget('seq');
    cleanups.push(target.cleanup);
    const started = performance.now();
    const seqs = await seqsOf(target, 'checkpoints', 250);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: target.options },
    });
    const listed = await store.checkpoints('cps').list('trace');
    expect(listed.map((c) => c.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    // ids sort in seq order across processes
    const ids = listed.map((c) => c.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    await store.close();
    console.log(
      `[adapter-postgres] checkpoint seq: 4 processes × 250 saves → seq 1..1000 gap-free, ${Math.round(performance.now() - started)} ms`,
    );
  });

  it('4 processes appending to one journal stream (and each to its own) get seq 1..n gap-free', { timeout: 200_000 }, async () => {
    const target = tempTarget('journal');
    cleanups.push(target.cleanup);
    const started = performance.now();
    const seqs = await seqsOf(target, 'journal', 100);
    expect(seqs).toEqual(Array.from({ length: 800 }, (_, i) => i + 1));
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: target.options },
    });
    const journal = store.journal<number>('events');
    expect(await journal.lastSeq('shared')).toBe(800);
    for (let id = 0; id < 4; id++) expect(await journal.lastSeq(`own-${id}`)).toBe(100);
    // Each append's two values are adjacent: no other process's append slipped between them.
    const entries = await journal.read('shared');
    for (let i = 0; i < entries.length; i += 2) expect(entries[i]?.value).toBe(entries[i + 1]?.value);
    await store.close();
    console.log(
      `[adapter-postgres] journal seq: 4 processes × 100 appends of 2 → seq 1..800 gap-free, ${Math.round(performance.now() - started)} ms`,
    );
  });

  it('expectLatest races between 4 processes have exactly one winner per round (10 rounds)', { timeout: 120_000 }, async () => {
    const target = tempTarget('cas');
    cleanups.push(target.cleanup);
    const rounds = 10;
    const procs = start(4, () => ({ job: 'cas', url: PG_URL, schema: target.schema, dataDir: target.dataDir, rounds }));
    await Promise.all(procs.map((c) => c.take('ready')));
    let latest: string | null = null;
    for (let round = 0; round < rounds; round++) {
      for (const c of procs) c.send(`go ${latest ?? 'null'}`);
      const results = await Promise.all(procs.map((c) => c.take<{ won: boolean; id?: string; code?: string }>('round')));
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.won).map((r) => r.code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
      latest = winners[0]?.id ?? null;
    }
    await Promise.all(procs.map((c) => c.take('done')));
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: target.options },
    });
    const head = await store.checkpoints('race').loadLatest('trace');
    expect(head).toMatchObject({ id: latest, seq: rounds });
    await store.close();
    console.log(`[adapter-postgres] expectLatest: ${rounds} rounds × 4 processes, exactly one winner each round`);
  });
});
