import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../src/index.js';
import { runningBuilds } from '../src/vectors/hnsw-build.js';

// 8,000 × 64 is far above what is built on the event loop (65,536 components): a worker builds it.
const DIMS = 64;
const COUNT = 8_000;
const vec = (i: number): number[] => Array.from({ length: DIMS }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + Math.cos(i * (d + 1) * 0.011));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sqliteStore = (): Promise<Store> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vectors-build-'));
  dirs.push(dataDir);
  return createStore({ dataDir, adapters: [sqliteAdapter], default: { adapter: 'sqlite' } });
};
const memoryStore = (): Promise<Store> => createStore({ default: { adapter: 'memory' } });
const handles = (store: Store) => ({
  ann: store.vectors('docs', { dims: DIMS, metric: 'cosine', exactThreshold: 100 }),
  exact: store.vectors('docs', { dims: DIMS, metric: 'cosine', exactThreshold: Number.MAX_SAFE_INTEGER }),
});

async function fill(store: Store, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1_000) {
    await handles(store).ann.upsertMany(Array.from({ length: Math.min(1_000, to - i) }, (_, j) => ({ key: i + j, vector: vec(i + j) })));
  }
}

/** Resolves on the next turn of the event loop (after I/O callbacks): one tick of a responsive loop. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['sqlite', sqliteStore],
  ['memory', memoryStore],
])('a large graph is built in a worker thread (%s)', (name, open) => {
  it('the event loop keeps turning, searches stay exact, writes made meanwhile are in the new graph', async () => {
    const store = await open();
    const { ann, exact } = handles(store);
    await fill(store, 0, COUNT);
    // The first search starts the build and is answered at once, exactly.
    const first = await ann.search(vec(17), { k: 5 });
    expect(first).toEqual(await exact.search(vec(17), { k: 5 }));
    expect((await ann.describe()).mode).toBe('building');

    // Writes during the build: new, replaced and deleted entries.
    await ann.upsertMany(Array.from({ length: 50 }, (_, j) => ({ key: `new-${j}`, vector: vec(10_000 + j) })));
    await ann.upsert(5, vec(20_000));
    await ann.delete(9);
    expect((await ann.describe()).mode).toBe('building');

    // A timer-driven loop: a build on the event loop would let none of these turns run until it ended.
    let ticks = 0;
    let searches = 0;
    while ((await ann.describe()).mode === 'building') {
      await tick();
      ticks++;
      if (ticks % 50 === 0) {
        const q = vec(ticks);
        expect(await ann.search(q, { k: 10 })).toEqual(await exact.search(q, { k: 10 }));
        searches++;
      }
    }
    expect(ticks).toBeGreaterThanOrEqual(20);
    expect(searches).toBeGreaterThanOrEqual(1);
    expect(await ann.describe()).toMatchObject({ mode: 'hnsw', count: COUNT + 49 });

    // The new graph plus the writes made since its rows were taken.
    for (let j = 0; j < 50; j += 7) expect((await ann.search(vec(10_000 + j), { k: 1 }))[0]?.key).toBe(`new-${j}`);
    expect((await ann.search(vec(20_000), { k: 1 }))[0]?.key).toBe(5);
    expect((await ann.search(vec(5), { k: 10 })).map((m) => m.key)).not.toContain(5);
    expect((await ann.search(vec(9), { k: 10 })).map((m) => m.key)).not.toContain(9);
    let hits = 0;
    for (let q = 0; q < 20; q++) {
      const query = vec(50_000 + q * 13);
      const want = new Set((await exact.search(query)).map((m) => m.key));
      hits += (await ann.search(query)).filter((m) => want.has(m.key)).length;
    }
    expect(hits / 200).toBeGreaterThanOrEqual(0.9);
    await store.close();
    expect(runningBuilds()).toBe(0);
  });

  it('close() during a build ends the worker and leaves no file behind', async () => {
    const store = await open();
    await fill(store, 0, COUNT);
    await handles(store).ann.search(vec(1));
    expect((await handles(store).ann.describe()).mode).toBe('building');
    expect(runningBuilds()).toBe(1);
    await store.close();
    expect(runningBuilds()).toBe(0);
    if (name === 'sqlite') {
      const cache = join(dirs.at(-1) as string, '.vector-index');
      expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
    }
  });
});

describe('the graph built in a worker', () => {
  it('dropping the domain during a build ends the worker; the domain written again builds its own graph', async () => {
    const store = await memoryStore();
    await fill(store, 0, COUNT);
    await handles(store).ann.search(vec(1));
    expect(runningBuilds()).toBe(1);
    await store.dropDomain('docs');
    while (runningBuilds() > 0) await tick();
    await fill(store, 0, COUNT);
    await handles(store).ann.delete(3);
    const { ann } = handles(store);
    await ann.search(vec(1));
    while ((await ann.describe()).mode === 'building') await tick();
    expect(await ann.describe()).toMatchObject({ mode: 'hnsw', count: COUNT - 1 });
    expect((await ann.search(vec(2), { k: 1 }))[0]?.key).toBe(2);
    expect((await ann.search(vec(3), { k: 10 })).map((m) => m.key)).not.toContain(3);
    await store.close();
    expect(runningBuilds()).toBe(0);
  });

  it('is saved to the cache, mapped by the next store, and merged with the writes queued beside it once they are many', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vectors-build-'));
    dirs.push(dataDir);
    const open = () => createStore({ dataDir, adapters: [sqliteAdapter], default: { adapter: 'sqlite' } });
    const cacheFiles = () => readdirSync(join(dataDir, '.vector-index'));
    const a = await open();
    await fill(a, 0, COUNT);
    await handles(a).ann.search(vec(1));
    while ((await handles(a).ann.describe()).mode === 'building') await tick();
    expect(cacheFiles()).toHaveLength(1);
    await a.close();

    const b = await open();
    const { ann, exact } = handles(b);
    expect((await ann.search(vec(3), { k: 1 }))[0]?.key).toBe(3);
    // Past 2,000 queued writes the mapped graph is merged with them in a worker; it answers meanwhile.
    await fill(b, COUNT, COUNT + 2_500);
    await ann.delete(4);
    expect((await ann.search(vec(COUNT + 7), { k: 1 }))[0]?.key).toBe(COUNT + 7);
    expect(runningBuilds()).toBe(1);
    expect((await ann.describe()).mode).toBe('hnsw');
    while (runningBuilds() > 0) await tick();
    const [saved] = cacheFiles();
    expect(cacheFiles()).toHaveLength(1);
    for (const i of [3, COUNT + 7, COUNT + 2_499]) expect((await ann.search(vec(i), { k: 1 }))[0]?.key).toBe(i);
    expect((await ann.search(vec(4), { k: 10 })).map((m) => m.key)).not.toContain(4);
    const q = vec(77_777);
    expect((await ann.search(q, { k: 10 })).map((m) => m.key)).toEqual((await exact.search(q, { k: 10 })).map((m) => m.key));
    await b.close();
    // The merged graph is the saved one (named by a later version than the first).
    expect(cacheFiles()).toEqual([saved]);
  });
});
