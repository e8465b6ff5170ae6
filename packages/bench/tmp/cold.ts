import { performance } from 'node:perf_hooks';
import { createStore } from '@agentstore/core';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { clusteredVectors } from '../src/sections/vectors.js';
import { openBenchStore } from '../src/subjects/agentstore.js';
const dir = '/tmp/vecopen-bench/sqlite-100000';
const queries = clusteredVectors(300, 99);
const t0 = performance.now();
const store = await openBenchStore(dir, 'sqlite', sqliteAdapter as never);
const v = store.vectors('bench_vectors', { dims: 384 });
await v.search(queries[0]!);
console.log('open+first', (performance.now() - t0).toFixed(1));
for (let round = 0; round < 3; round++) {
  const ts: number[] = [];
  for (const q of queries) { const s = performance.now(); await v.search(q); ts.push(performance.now() - s); }
  ts.sort((a, b) => a - b);
  console.log('round', round, 'p50', ts[150]!.toFixed(2), 'p90', ts[270]!.toFixed(2));
}
await store.close();
console.log("native", (globalThis as any).T0, "changes", (globalThis as any).T1, "entries", (globalThis as any).T2, "n", (globalThis as any).N);
