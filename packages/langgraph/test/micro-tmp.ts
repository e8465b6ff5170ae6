import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
const root = process.env.OLD ? '/work/main/packages' : '/work/wt/saver/packages';
const { lmdbAdapter } = await import(`${root}/adapter-lmdb/src/index.ts`);
const { sqliteAdapter } = await import(`${root}/adapter-sqlite/src/index.ts`);
const { createStore } = await import(`${root}/core/src/index.ts`);
const { AgentstoreSaver } = await import(`${root}/langgraph/src/index.ts`);
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';

const adapter = process.argv[2] ?? 'sqlite';
const what = process.argv[3] ?? 'get';
const dir = mkdtempSync(join(tmpdir(), 'micro-'));
const store = await createStore({ dataDir: dir, adapters: [sqliteAdapter, lmdbAdapter], default: { adapter } });
const saver: any = process.env.PEER ? SqliteSaver.fromConnString(join(dir, 'peer.db')) : new AgentstoreSaver(store, { checkpoints: 'lg_checkpoints', writes: 'lg_writes', heads: 'lg_heads' });
function cp(step: number) {
  const messages = Array.from({ length: 4 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: `message ${step}.${k} `.repeat(8) }));
  return { checkpoint: { ...emptyCheckpoint(), id: uuid6(-1), channel_values: { messages, step }, channel_versions: { messages: step + 1, step: step + 1 }, versions_seen: { agent: { messages: step } } }, metadata: { source: 'loop' as const, step, parents: {} }, versions: { messages: step + 1, step: step + 1 } };
}
let config: any = { configurable: { thread_id: 'peer-thread', checkpoint_ns: '' } };
const n = what === 'put' ? 3000 : 1000;
let t0 = performance.now();
let c0 = process.cpuUsage();
for (let i = 0; i < n; i++) { const c = cp(i); config = await saver.put(config, c.checkpoint, c.metadata, c.versions); }
if (what === 'put') { const c = process.cpuUsage(c0); console.log(process.env.PEER ? 'peer' : 'ours', adapter, 'put wall µs/op', ((performance.now() - t0) * 1000 / n).toFixed(1), 'cpu µs/op', ((c.user + c.system) / n).toFixed(1)); }
if (what === 'get') {
  const cfg = { configurable: { thread_id: 'peer-thread' } };
  for (let i = 0; i < 2000; i++) await saver.getTuple(cfg);
  t0 = performance.now();
  c0 = process.cpuUsage();
  const m = Number(process.env.M ?? 20000);
  for (let i = 0; i < m; i++) await saver.getTuple(cfg);
  const c = process.cpuUsage(c0);
  console.log(process.env.PEER ? 'peer' : 'ours', adapter, 'getTuple wall µs/op', ((performance.now() - t0) * 1000 / m).toFixed(1), 'cpu µs/op', ((c.user + c.system) / m).toFixed(1));
}
await store.close();
