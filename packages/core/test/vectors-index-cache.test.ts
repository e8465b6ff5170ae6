import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../src/index.js';

const DIMS = 8;
const vec = (i: number): number[] => Array.from({ length: DIMS }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + Math.cos(i * (d + 1) * 0.011));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(dataDir: string): Promise<Store> {
  return createStore({ dataDir, adapters: [sqliteAdapter], default: { adapter: 'sqlite' } });
}
const handle = (store: Store) => store.vectors('docs', { dims: DIMS, metric: 'cosine', exactThreshold: 100 });
const cacheFiles = (dataDir: string): string[] => {
  try {
    return readdirSync(join(dataDir, '.vector-index')).filter((f) => f.endsWith('.usearch'));
  } catch {
    return [];
  }
};

describe('the saved approximate index', () => {
  it('is saved by the process that built it, mapped by the next, and writes made since are searched too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vectors-cache-'));
    dirs.push(dataDir);
    const a = await open(dataDir);
    await handle(a).upsertMany(Array.from({ length: 500 }, (_, i) => ({ key: i, vector: vec(i) })));
    expect((await handle(a).search(vec(42), { k: 1 }))[0]?.key).toBe(42);
    expect((await handle(a).describe()).mode).toBe('hnsw');
    const saved = cacheFiles(dataDir);
    expect(saved).toHaveLength(1);
    await a.close();

    // Another store writes after the save; a third maps the file and must see those writes.
    const b = await open(dataDir);
    await handle(b).upsert(1000, vec(1000));
    await handle(b).delete(42);
    await b.close();
    const c = await open(dataDir);
    const found = await handle(c).search(vec(1000), { k: 1 });
    expect(found[0]?.key).toBe(1000);
    expect((await handle(c).search(vec(42), { k: 3 })).map((m) => m.key)).not.toContain(42);
    const info = await handle(c).describe();
    expect(info).toMatchObject({ mode: 'hnsw', count: 500 });
    // b's store never searched, so the saved file is the one a built (c mapped it, no rebuild).
    expect(cacheFiles(dataDir)).toEqual(saved);
    await c.close();
  });

  for (const removeFile of [false, true]) {
    it(`past 2,000 writes after mapping, the graph is ${removeFile ? 'rebuilt (its file is gone)' : 'loaded for writing'} and keeps answering`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'vectors-cache-'));
      dirs.push(dataDir);
      const a = await open(dataDir);
      await handle(a).upsertMany(Array.from({ length: 300 }, (_, i) => ({ key: i, vector: vec(i) })));
      await handle(a).search(vec(1));
      await a.close();
      const b = await open(dataDir);
      expect((await handle(b).search(vec(5), { k: 1 }))[0]?.key).toBe(5); // mapped
      if (removeFile) rmSync(join(dataDir, '.vector-index'), { recursive: true });
      const writer = await open(dataDir);
      for (let from = 300; from < 2_600; from += 500) {
        await handle(writer).upsertMany(Array.from({ length: 500 }, (_, j) => ({ key: from + j, vector: vec(from + j) })));
      }
      await handle(writer).delete(5);
      await writer.close();
      for (const i of [7, 299, 300, 1234, 2799]) expect((await handle(b).search(vec(i), { k: 1 }))[0]?.key).toBe(i);
      expect((await handle(b).search(vec(5), { k: 3 })).map((m) => m.key)).not.toContain(5);
      expect(await handle(b).describe()).toMatchObject({ mode: 'hnsw', count: 2_799 });
      await b.close();
    });
  }

  it('a damaged file costs a rebuild, not a failed search', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vectors-cache-'));
    dirs.push(dataDir);
    const a = await open(dataDir);
    await handle(a).upsertMany(Array.from({ length: 300 }, (_, i) => ({ key: i, vector: vec(i) })));
    await handle(a).search(vec(1));
    await a.close();
    const [file] = cacheFiles(dataDir);
    writeFileSync(join(dataDir, '.vector-index', file as string), 'not an index');
    const b = await open(dataDir);
    expect((await handle(b).search(vec(7), { k: 1 }))[0]?.key).toBe(7);
    expect((await handle(b).describe()).mode).toBe('hnsw');
    await b.close();
  });
});
