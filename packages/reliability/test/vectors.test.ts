/**
 * Issue 18: the `vectors` kind across processes. (1) Another process's upsert and delete are seen by
 * the next `search` of a store that already holds the domain in memory, above the exact threshold
 * (the approximate index follows). (2) Writers killed with SIGKILL during `upsertMany`: after every
 * round, every acknowledged vector is found by search (exact, and as its own nearest neighbour through
 * the approximate index of a store that stayed open and of a fresh one), every batch is whole, and the
 * index counts exactly the domain's entries; the fresh store checks through the saved graph first, before
 * it loads the domain. `AGENTSTORE_VECTORS_CRASH_ROUNDS` sets the rounds (default 3).
 */
import type { Store } from '@agentstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildHandle, killAllChildren, release, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';
import { multiProcessAdapters } from './kinds/adapters.js';
import { type KindsTarget, openTarget } from './kinds/open.js';
import { crashVector, VECTOR_DIMS } from './kinds/vectors-values.js';

const ROUNDS = Number(process.env.AGENTSTORE_VECTORS_CRASH_ROUNDS ?? 3);
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const WRITERS = 2;
const LANES = 2;
/** Small, so that the approximate index (not only exact search) is what these tests exercise. */
const THRESHOLD = 50;

interface Ack extends Message {
  readonly k: number;
  readonly n: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const handles = (store: Store) => ({
  ann: store.vectors('memory', { dims: VECTOR_DIMS, metric: 'cosine', exactThreshold: THRESHOLD }),
  exact: store.vectors('memory', { dims: VECTOR_DIMS, metric: 'cosine', exactThreshold: Number.MAX_SAFE_INTEGER }),
});

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('vectors across processes: %s', (name) => {
  it("another process's upsert and delete are seen by the next search (approximate index in memory)", { timeout: 120_000 }, async () => {
    const target: KindsTarget = { dataDir: dirs.make('vectors-mp'), adapter: name };
    const store = await openTarget(target);
    try {
      const { ann } = handles(store);
      await ann.upsertMany(Array.from({ length: 200 }, (_, j) => ({ key: `base-${j}`, vector: crashVector(9, 9, 9, j) })));
      expect((await ann.search(crashVector(9, 9, 9, 3), { k: 1 }))[0]?.key).toBe('base-3');
      expect((await ann.describe()).count).toBe(200);
      const child = spawnChild(`vectors-mp-${name}`, '../kinds/vectors-writer.ts', {
        target,
        mode: 'commands',
        writer: 1,
        round: 0,
        lanes: 1,
        seed: 1,
      });
      await child.take('loaded', 60_000);
      const fresh = crashVector(1, 2, 3, 4);
      child.send({ t: 'upsert', key: 'from-child', vector: fresh });
      await child.take('done', 30_000);
      expect((await ann.search(fresh, { k: 1 }))[0]).toMatchObject({ key: 'from-child', metadata: { by: 1 } });
      child.send({ t: 'delete', key: 'base-3' });
      await child.take('done', 30_000);
      expect((await ann.search(crashVector(9, 9, 9, 3), { k: 3 })).map((m) => m.key)).not.toContain('base-3');
      child.send({ t: 'upsert', key: 'base-5', vector: fresh });
      await child.take('done', 30_000);
      expect((await ann.search(fresh, { k: 2 })).map((m) => m.key).sort()).toEqual(['base-5', 'from-child']);
      expect((await ann.search(crashVector(9, 9, 9, 5), { k: 1 }))[0]?.key).not.toBe('base-5');
      const info = await ann.describe();
      expect(info.count).toBe(200);
      expect(info.mode === 'hnsw' || info.native.startsWith('unavailable')).toBe(true);
      child.send({ t: 'stop' });
      await child.exited;
    } finally {
      await store.close();
    }
  });

  it(`${ROUNDS} rounds × ${WRITERS} writers killed during upsertMany: every acknowledged vector searchable, batches whole, index consistent`, {
    timeout: 90_000 + ROUNDS * 40_000,
  }, async () => {
    const target: KindsTarget = { dataDir: dirs.make('vectors-crash'), adapter: name };
    const rng = new Rng((SEED + name.length * 1_000_003) >>> 0);
    const acks: Array<Ack & { w: number; r: number }> = [];
    const problems: string[] = [];
    // Stays open across rounds: its in-memory copy and index catch up with what the killed writers left.
    const watcher = await openTarget(target);
    let entries = 0;
    const started = performance.now();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const writers: ChildHandle[] = Array.from({ length: WRITERS }, (_, w) =>
          spawnChild(`vcrash-${name}-r${round}-w${w}`, '../kinds/vectors-writer.ts', {
            target,
            mode: 'crash',
            writer: w,
            round,
            lanes: LANES,
            seed: rng.int(1, 1e9),
          }),
        );
        await Promise.all(writers.map((child) => child.take('loaded', 60_000)));
        await Promise.all(
          writers.map(async (child) => {
            await sleep(rng.int(0, 50));
            release([child]);
            await child.take('ack', 60_000);
            await sleep(rng.int(50, 500));
            await child.kill();
          }),
        );
        writers.forEach((child, w) => {
          for (const m of child.messages) {
            if (m.t === 'ack') acks.push({ ...(m as Ack), w, r: round });
            else if (m.t === 'error') problems.push(`round ${round} writer ${w} error: ${String(m.code)} ${String(m.message)}`);
          }
          if (child.exit?.signal !== 'SIGKILL') problems.push(`round ${round} writer ${w} was not killed: ${JSON.stringify(child.exit)}`);
        });

        const fresh = await openTarget(target);
        try {
          for (const [label, store] of [
            ['open watcher', watcher],
            ['fresh store', fresh],
          ] as const) {
            entries = await check(`round ${round} ${label}`, store, acks, problems);
            // The watcher saves its index as of now: the fresh store then searches from that mapped
            // graph before loading the domain (the path of a process just opened), over what the killed writers left.
            if (store === watcher) await watcher.sync('memory');
          }
          // Negative control: the same check reports a batch that was never written.
          const control: string[] = [];
          await check('control', fresh, [{ t: 'ack', k: 1e6, n: 1, w: 0, r: round }], control);
          if (!control.some((p) => p.includes('missing'))) problems.push(`round ${round}: the check did not see a missing vector`);
        } finally {
          await fresh.close();
        }
        if (problems.length > 0) break;
      }
    } finally {
      await watcher.close();
    }
    console.log(
      `[reliability] vectors crash ${name}: ${ROUNDS} rounds × ${WRITERS} writers, ${acks.length} batches acknowledged ` +
        `(${acks.reduce((s, a) => s + a.n, 0)} vectors), ${entries} entries, ${problems.length} problems, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s, seed ${SEED}`,
    );
    recordFigures(`vectors crash ${name}`, { 'kill rounds': ROUNDS, acknowledged: acks.length, entries, problems: problems.length });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(acks.length).toBeGreaterThan(ROUNDS * WRITERS);
  });
});

/** Checks one store against the acknowledged batches; returns the domain's entry count. */
async function check(at: string, store: Store, acks: ReadonlyArray<Ack & { w: number; r: number }>, problems: string[]): Promise<number> {
  const { ann, exact } = handles(store);
  const count = await exact.count();
  const info = await ann.describe();
  if (info.count !== count) problems.push(`${at}: the index holds ${info.count} vectors, the domain ${count}`);
  if (count > THRESHOLD && info.mode !== 'hnsw' && !info.native.startsWith('unavailable')) problems.push(`${at}: mode ${info.mode}`);
  // Every acknowledged vector is stored whole and is its own nearest neighbour (exact search).
  for (const a of acks) {
    for (let j = 0; j < a.n; j++) {
      const key = ['w', a.w, a.r, a.k, j];
      const got = await exact.get(key);
      if (got === undefined) {
        problems.push(`${at}: acknowledged vector ${JSON.stringify(key)} is missing`);
        continue;
      }
      if (got.metadata?.n !== a.n) problems.push(`${at}: ${JSON.stringify(key)} has metadata ${JSON.stringify(got.metadata)}`);
    }
  }
  // Through the approximate index, on a sample (every search is a graph walk): self-match first.
  for (const a of acks.slice(-40)) {
    const key = ['w', a.w, a.r, a.k, a.n - 1];
    const best = (await ann.search(crashVector(a.w, a.r, a.k, a.n - 1), { k: 1 }))[0];
    if (JSON.stringify(best?.key) !== JSON.stringify(key))
      problems.push(`${at}: ${JSON.stringify(key)} is not its own nearest (got ${JSON.stringify(best?.key)})`);
  }
  // Every batch in the domain, acknowledged or not, is whole: items 0..n-1 all present.
  const seen = new Map<string, { n: number; js: Set<number> }>();
  // One search per writer and round (a search returns at most 10,000), together covering the domain.
  const rounds = new Set(acks.map((a) => a.r));
  let listed = 0;
  for (const r of rounds) {
    for (let w = 0; w < WRITERS; w++) {
      const found = await exact.search(crashVector(0, 0, 0, 0), { k: 10_000, prefix: ['w', w, r] });
      if (found.length === 10_000) problems.push(`${at}: writer ${w} round ${r} wrote more than one search lists`);
      listed += found.length;
      for (const m of found) {
        const [, , , k, j] = m.key as [string, number, number, number, number];
        const id = `${w}/${r}/${k}`;
        const entry = seen.get(id) ?? { n: m.metadata?.n as number, js: new Set<number>() };
        entry.js.add(j);
        seen.set(id, entry);
      }
    }
  }
  if (acks.length > 1 && listed !== count) problems.push(`${at}: searches list ${listed} vectors, the domain counts ${count}`);
  for (const [id, { n, js }] of seen) if (js.size !== n) problems.push(`${at}: batch ${id} holds ${js.size} of its ${n} vectors`);
  return count;
}
