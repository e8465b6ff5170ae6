import type { Store } from '@agentstore/core';
import { AgentstoreStore } from '@agentstore/langgraph';
import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import type { Context } from '../context.js';
import { runPair } from './pair.js';

const DIMS = 128;
const WORDS = 'lunar orbit bread recipe tokyo budget garden zebra finance report memo travel review agenda paper draft'.split(' ');

/** A deterministic embedding (hashed character trigrams), the same on both sides of every row. */
function embed(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  const s = ` ${text} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 2166136261;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619) >>> 0;
    v[h % DIMS] = (v[h % DIMS] as number) + ((h >>> 18) & 1 ? 1 + ((h >>> 8) % 1000) : -1 - ((h >>> 8) % 1000));
  }
  return v;
}

const embeddings = {
  embedDocuments: async (texts: string[]) => texts.map(embed),
  embedQuery: async (text: string) => embed(text),
};

function text(i: number): string {
  return `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${WORDS[(i * 13) % WORDS.length]} note ${i}`;
}

/**
 * `AgentstoreStore` (LangGraph's `BaseStore` on agentstore) against LangGraph's `InMemoryStore` with the
 * same embeddings on the same items: semantic search, put with an index, get; and the cost of item TTL
 * (`AgentstoreStore` with `ttl` against itself without).
 */
export async function langgraphStoreSection(ctx: Context, backend: string, store: Store): Promise<void> {
  const items = ctx.quick ? 500 : 5_000;
  const ours = new AgentstoreStore(store, { domain: 'bench_lg_store', index: { dims: DIMS, embed: embeddings, fields: ['text'] } });
  const theirs = new InMemoryStore({ index: { dims: DIMS, embeddings: embeddings as never, fields: ['text'] } });
  ctx.progress.step(`langgraph-store · fill ${items} items · ${backend}`);
  for (let i = 0; i < items; i += 100) {
    const ops = Array.from({ length: Math.min(100, items - i) }, (_, j) => ({
      namespace: ['bench', `u${(i + j) % 10}`],
      key: `k${i + j}`,
      value: { text: text(i + j), group: (i + j) % 4 === 0 ? 'a' : 'b' },
    }));
    await ours.batch(ops);
    await theirs.batch(ops);
  }
  const spec = (op: string, note: string) => ({
    section: 'langgraph-store',
    op,
    backend,
    impl: 'AgentstoreStore',
    baselineLabel: 'InMemoryStore',
    budget: ctx.sizes.peerOps,
    note,
  });
  const filled = `${items.toLocaleString('en-US')} items of one ${DIMS}-dim vector each, exact search`;
  let q = 0;
  const query = () => `${WORDS[q % WORDS.length]} ${WORDS[(q++ * 5) % WORDS.length]}`;
  await runPair(
    ctx,
    spec("search(['bench'], { query, limit: 10 })", filled),
    () => ours.search(['bench'], { query: query(), limit: 10 }),
    () => theirs.search(['bench'], { query: query(), limit: 10 }),
  );
  await runPair(
    ctx,
    spec("search(['bench'], { query, filter, limit: 10 })", `${filled}; the filter keeps 1 item in 4`),
    () => ours.search(['bench'], { query: query(), filter: { group: 'a' }, limit: 10 }),
    () => theirs.search(['bench'], { query: query(), filter: { group: 'a' }, limit: 10 }),
  );
  let n = items;
  let m = items;
  await runPair(
    ctx,
    spec('put (indexed)', 'one item per batch, embedded on put'),
    () => ours.put(['bench', 'new'], `k${n}`, { text: text(n++) }),
    () => theirs.put(['bench', 'new'], `k${m}`, { text: text(m++) }),
  );
  let g = 0;
  let h = 0;
  await runPair(
    ctx,
    spec('get', filled),
    () => ours.get(['bench', `u${g % 10}`], `k${g++ % items}`),
    () => theirs.get(['bench', `u${h % 10}`], `k${h++ % items}`),
  );
  // Item TTL's cost: the same store with and without `ttl` (refresh on read off: a read stays a read).
  const plain = new AgentstoreStore(store, { domain: 'bench_lg_plain' });
  const expiring = new AgentstoreStore(store, { domain: 'bench_lg_ttl', ttl: { defaultTtl: 24 * 60, refreshOnRead: false } });
  for (let i = 0; i < 1_000; i += 100) {
    const ops = Array.from({ length: 100 }, (_, j) => ({ namespace: ['t'], key: `k${i + j}`, value: { n: i + j } }));
    await plain.batch(ops);
    await expiring.batch(ops);
  }
  const ttlSpec = (op: string) => ({
    ...spec(op, '1,000 items; defaultTtl 1 day, refreshOnRead false'),
    impl: 'AgentstoreStore ttl',
    baselineLabel: 'AgentstoreStore',
  });
  let a = 0;
  let b = 0;
  await runPair(
    ctx,
    ttlSpec('get'),
    () => expiring.get(['t'], `k${a++ % 1_000}`),
    () => plain.get(['t'], `k${b++ % 1_000}`),
  );
  await runPair(
    ctx,
    ttlSpec('put'),
    () => expiring.put(['t'], `k${a++ % 1_000}`, { n: a }),
    () => plain.put(['t'], `k${b++ % 1_000}`, { n: b }),
  );
}
