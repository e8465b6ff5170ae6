import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore, type Store } from '../src/index.js';
import { VectorIndex } from '../src/vectors/vector-index.js';

const DIMS = 8;
const vec = (i: number): number[] => Array.from({ length: DIMS }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + Math.cos(i * (d + 1) * 0.011));
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const open = (dataDir: string): Promise<Store> => createStore({ dataDir, adapters: [sqliteAdapter], default: { adapter: 'sqlite' } });
const handle = (store: Store) => store.vectors('docs', { dims: DIMS, metric: 'cosine', exactThreshold: 100 });

/** A data dir holding 500 entries (metadata `{ rare }` on one of them) and their saved index. */
async function indexed(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vectors-cold-'));
  dirs.push(dataDir);
  const a = await open(dataDir);
  await handle(a).upsertMany(Array.from({ length: 500 }, (_, i) => ({ key: i, vector: vec(i), metadata: { rare: i === 250 } })));
  await handle(a).search(vec(1));
  await a.close();
  return dataDir;
}

describe('searching right after open (the saved index, before the domain is loaded)', () => {
  it('answers without loading every entry, and sees writes of this and other stores at the next search', async () => {
    const dataDir = await indexed();
    const loads = vi.spyOn(VectorIndex.prototype, 'refresh');
    const b = await open(dataDir);
    expect((await handle(b).search(vec(42), { k: 1 }))[0]?.key).toBe(42);
    await handle(b).upsert(1000, vec(1000));
    const other = await open(dataDir);
    await handle(other).delete(42);
    await handle(other).upsert(7, vec(2000), { moved: true });
    await other.close();
    expect((await handle(b).search(vec(1000), { k: 1 }))[0]?.key).toBe(1000);
    expect((await handle(b).search(vec(42), { k: 5 })).map((m) => m.key)).not.toContain(42);
    expect((await handle(b).search(vec(2000), { k: 1 }))[0]).toMatchObject({ key: 7, metadata: { moved: true } });
    expect((await handle(b).search(vec(7), { k: 10 })).map((m) => m.key)).not.toContain(7);
    expect(await handle(b).count()).toBe(500);
    expect(loads).not.toHaveBeenCalled();
    await b.close();
  });

  it('equal scores still go by key: candidates the graph ranks later are read when they may tie', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vectors-cold-'));
    dirs.push(dataDir);
    const a = await open(dataDir);
    await handle(a).upsertMany(Array.from({ length: 300 }, (_, i) => ({ key: i, vector: vec(i) })));
    // Twelve copies of one vector: the graph returns them in its own order, the answer takes the smallest keys.
    // A vector no other entry has (vec(77) is also key 77's, which sorts first and ties: whether the graph
    // proposed it among 12 candidates for 13 equal vectors decided the answer, and the test was flaky).
    await handle(a).upsertMany(
      Array.from({ length: 12 }, (_, j) => ({ key: `dup-${String(11 - j).padStart(2, '0')}`, vector: vec(1000) })),
    );
    await handle(a).search(vec(1));
    await a.close();
    const loads = vi.spyOn(VectorIndex.prototype, 'refresh');
    const b = await open(dataDir);
    const want = ['dup-00', 'dup-01', 'dup-02', 'dup-03'];
    expect((await handle(b).search(vec(1000), { k: 4, prefix: 'dup-' })).map((m) => m.key)).toEqual(want);
    expect((await handle(b).search(vec(1000), { k: 4 })).map((m) => m.key)).toEqual(want);
    expect(loads).not.toHaveBeenCalled();
    await b.close();
  });

  it('a filter too selective for the graph loads the domain once and answers exactly', async () => {
    const dataDir = await indexed();
    const loads = vi.spyOn(VectorIndex.prototype, 'refresh');
    const b = await open(dataDir);
    await handle(b).search(vec(3));
    expect(loads).not.toHaveBeenCalled();
    expect((await handle(b).search(vec(3), { filter: { rare: true } })).map((m) => m.key)).toEqual([250]);
    expect(loads).toHaveBeenCalledTimes(1);
    // From then on the loaded copy answers (refreshed at each search, as before).
    expect((await handle(b).search(vec(3), { k: 1 }))[0]?.key).toBe(3);
    expect(loads).toHaveBeenCalledTimes(2);
    await b.close();
  });

  it('past 2,000 writes since the saved index, the domain is loaded instead', async () => {
    const dataDir = await indexed();
    const loads = vi.spyOn(VectorIndex.prototype, 'refresh');
    const b = await open(dataDir);
    await handle(b).upsertMany(Array.from({ length: 2_100 }, (_, j) => ({ key: 500 + j, vector: vec(500 + j) })));
    expect((await handle(b).search(vec(2_222), { k: 1 }))[0]?.key).toBe(2_222);
    expect(loads).toHaveBeenCalledTimes(1);
    expect(await handle(b).describe()).toMatchObject({ mode: 'hnsw', count: 2_600 });
    await b.close();
  });
});
