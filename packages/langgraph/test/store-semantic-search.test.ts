import type { Store } from '@agentstore/core';
import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from '@langchain/langgraph';
import { InMemoryStore, type Operation, type PutOperation, type SearchItem } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreStore } from '../src/index.js';
import { itemKey } from '../src/store-records.js';
import { compareKeys } from '../src/vector-search.js';
import { countingEmbeddings, DIMS, embedText } from './support/embeddings.js';
import { openStore } from './support/stores.js';

const FIELDS = ['title', 'chapters[*].content', 'meta.author'];
const WORDS = (
  'quarterly finance numbers report ada lovelace notes engine analytical memo fact garden rain zebra ' +
  'orbit lunar budget forecast recipe bread yeast travel tokyo kyoto paper draft review meeting agenda'
).split(' ');
const NAMESPACES = [['docs'], ['docs', 'a'], ['docs', 'a', 'deep'], ['docs', 'b'], ['notes']];

/** A small deterministic PRNG (mulberry32), so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dataSet(count: number, seed: number): PutOperation[] {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const phrase = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const ops: PutOperation[] = [];
  for (let i = 0; i < count; i++) {
    const value: Record<string, unknown> = {
      kind: pick(['memo', 'fact', 'note']),
      year: 2000 + Math.floor(rand() * 25),
      body: phrase(6),
      chapters: Array.from({ length: Math.floor(rand() * 4) }, () => ({ content: phrase(4) })),
      meta: { author: pick(['Ada', 'Grace', 'Edsger', 'Barbara']) },
    };
    // Some items have no title: fewer vectors, and a few have no vector at all.
    if (rand() < 0.8) value.title = phrase(3);
    const r = rand();
    const index = r < 0.1 ? false : r < 0.2 ? ['body'] : r < 0.25 ? ['title', 'body', 'chapters[*].content'] : undefined;
    ops.push({
      namespace: pick(NAMESPACES),
      key: `item-${i.toString().padStart(4, '0')}`,
      value,
      ...(index === undefined ? {} : { index }),
    });
  }
  // Insertion in our key order makes InMemoryStore's insertion order (its tie order) equal to ours.
  return ops.sort((a, b) => compareKeys(itemKey(a.namespace, a.key), itemKey(b.namespace, b.key)));
}

function shape(items: SearchItem[]) {
  return items.map(({ namespace, key, value, score }) => ({ namespace, key, value, score }));
}

describe.each(['memory', 'sqlite', 'lmdb', 'level'] as const)('AgentstoreStore semantic search on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
  });
  afterEach(async () => destroy());

  it('ranks as InMemoryStore does: same items, same order, same scores (300 items, filters, offsets, several fields)', async () => {
    const ours = new AgentstoreStore(store, { index: { dims: DIMS, embed: countingEmbeddings(), fields: FIELDS } });
    const reference = new InMemoryStore({ index: { dims: DIMS, embeddings: countingEmbeddings() as never, fields: FIELDS } });
    const ops = dataSet(300, 7);
    const apply = async (batch: Operation[]) => {
      await ours.batch(batch);
      await reference.batch(batch);
    };
    for (let i = 0; i < ops.length; i += 25) await apply(ops.slice(i, i + 25));
    // Updates (same index choice, new texts) and deletes.
    const rand = prng(99);
    const updates = ops
      .filter(() => rand() < 0.08)
      .map((op) => ({ ...op, value: { ...op.value, title: `revised ${WORDS[op.key.length % WORDS.length]} ${op.key}` } }));
    await apply(updates);
    await apply(ops.filter(() => rand() < 0.04).map((op) => ({ namespace: op.namespace, key: op.key, value: null })));

    const queries = ['quarterly finance numbers', 'ada lovelace analytical engine', 'zebra'];
    const prefixes = [[], ['docs'], ['docs', 'a'], ['notes']];
    const filters = [undefined, { kind: 'fact' }, { year: { $gte: 2015 } }, { kind: { $in: ['memo', 'note'] }, year: { $lt: 2010 } }];
    const pages = [
      { limit: 10, offset: 0 },
      { limit: 7, offset: 5 },
      { limit: 50, offset: 30 },
      { limit: 400, offset: 0 },
    ];
    let compared = 0;
    let scored = 0;
    let unscored = 0;
    for (const query of queries) {
      for (const prefix of prefixes) {
        for (const filter of filters) {
          const everything = shape(await reference.search(prefix, { query, filter, limit: 10_000 }));
          const scoredCount = everything.filter((i) => i.score !== undefined).length;
          for (const page of pages) {
            const got = shape(await ours.search(prefix, { query, filter, ...page }));
            // InMemoryStore restarts its unscored items at the first one when the offset is past every
            // scored item (its pages then overlap); ours keep paging (README): compare with its full list there.
            const want =
              page.offset < scoredCount || scoredCount === everything.length
                ? shape(await reference.search(prefix, { query, filter, ...page }))
                : everything.slice(page.offset, page.offset + page.limit);
            expect(got.map((i) => [i.namespace, i.key])).toEqual(want.map((i) => [i.namespace, i.key]));
            for (const [i, item] of got.entries()) {
              const expected = want[i]?.score;
              if (expected === undefined) expect(item.score).toBeUndefined();
              else expect(Math.abs((item.score as number) - expected)).toBeLessThan(1e-6);
            }
            expect(got.map((i) => i.value)).toEqual(want.map((i) => i.value));
            compared++;
            scored += got.filter((i) => i.score !== undefined).length;
            unscored += got.filter((i) => i.score === undefined).length;
          }
        }
      }
    }
    expect(compared).toBe(queries.length * prefixes.length * filters.length * pages.length);
    // The comparison covered both kinds of result.
    expect(scored).toBeGreaterThan(1000);
    expect(unscored).toBeGreaterThan(50);
  });

  it('embeds a batch of puts in one call of distinct texts, and each distinct query once', async () => {
    const embeddings = countingEmbeddings();
    const ours = new AgentstoreStore(store, { index: { dims: DIMS, embed: embeddings, fields: ['title', 'tags[*]'] } });
    await ours.batch([
      { namespace: ['a'], key: '1', value: { title: 'rain', tags: ['x', 'y'] } },
      { namespace: ['a'], key: '2', value: { title: 'x', tags: ['rain'] } },
      { namespace: ['a'], key: '3', value: { title: 'sun' }, index: false },
    ]);
    expect(embeddings.calls).toEqual([['rain', 'x', 'y']]);
    await ours.batch([
      { namespacePrefix: ['a'], query: 'rain', limit: 5, offset: 0 },
      { namespacePrefix: [], query: 'rain', limit: 5, offset: 0 },
      { namespacePrefix: ['a'], query: 'sun', limit: 5, offset: 0 },
    ]);
    expect(embeddings.queries.sort()).toEqual(['rain', 'sun']);
  });

  it('takes embed as a function, and a re-put or delete replaces the item\u2019s vectors', async () => {
    const ours = new AgentstoreStore(store, {
      index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t'] },
    });
    const vectors = store.vectors('langgraph_store_vectors', { dims: DIMS });
    await ours.put(['n'], 'a', { t: 'lunar orbit' });
    await ours.put(['n'], 'b', { t: 'bread recipe' });
    expect((await ours.search(['n'], { query: 'lunar orbit' }))[0]).toMatchObject({ key: 'a', score: expect.closeTo(1, 9) });
    expect(await vectors.count()).toBe(2);
    // Unindexed now: it has no score and follows the scored items (InMemoryStore would keep its old vector).
    await ours.put(['n'], 'a', { t: 'lunar orbit' }, false);
    expect(await vectors.count()).toBe(1);
    expect((await ours.search(['n'], { query: 'lunar orbit' })).map((i) => [i.key, i.score === undefined])).toEqual([
      ['b', false],
      ['a', true],
    ]);
    await ours.delete(['n'], 'b');
    expect(await vectors.count()).toBe(0);
    expect((await ours.search(['n'], { query: 'lunar orbit' })).map((i) => i.key)).toEqual(['a']);
  });

  it('ignores vectors no item names (a crashed put) and deletes them once they are old', async () => {
    let now = Date.now();
    const ours = new AgentstoreStore(store, {
      index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t'] },
      clock: () => now,
    });
    const vectors = store.vectors('langgraph_store_vectors', { dims: DIMS });
    await ours.put(['n'], 'a', { t: 'lunar orbit' });
    // What a put killed after its vector write leaves: vectors under stamps its item never got.
    const stamp = (ms: number) => `${ms.toString(36)}.crashed`;
    await vectors.upsert(['n', 0, 'a', stamp(now), 't'], embedText('bread recipe'));
    await vectors.upsert(['n', 0, 'ghost', stamp(now), 't'], embedText('bread recipe'));
    expect((await ours.search(['n'], { query: 'bread recipe' })).map((i) => [i.key, i.score !== undefined])).toEqual([['a', true]]);
    expect(await vectors.count()).toBe(3);
    now += 11 * 60_000;
    expect((await ours.search(['n'], { query: 'bread recipe' })).map((i) => i.key)).toEqual(['a']);
    expect(await vectors.count()).toBe(1);
  });

  it('filters the same whether a condition runs in the vectors domain or on the items', async () => {
    const ours = new AgentstoreStore(store, {
      index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t'] },
    });
    const long = 'x'.repeat(100);
    await ours.put(['n'], 'a', { t: 'lunar orbit', tag: 'moon', long, n: 1, flag: true, none: null, obj: { k: 1 } });
    await ours.put(['n'], 'b', { t: 'lunar orbit two', tag: 'sun', long: `${long}y`, n: 2, flag: false, obj: { k: 2 } });
    const keys = async (filter: Record<string, unknown>) => (await ours.search(['n'], { query: 'lunar', filter })).map((i) => i.key).sort();
    expect(await keys({ tag: 'moon' })).toEqual(['a']);
    expect(await keys({ tag: { $eq: 'sun' } })).toEqual(['b']);
    expect(await keys({ long })).toEqual(['a']);
    expect(await keys({ n: 2, flag: false })).toEqual(['b']);
    expect(await keys({ none: null })).toEqual(['a']);
    expect(await keys({ obj: { k: 2 } })).toEqual(['b']);
    expect(await keys({ tag: 'moon', n: { $gt: 1 } })).toEqual([]);
    expect(await keys({ missing: null })).toEqual([]);
  });

  it('serves a StateGraph node: memories put in one run are found by meaning in the next', async () => {
    const memory = new AgentstoreStore(store, {
      index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['text'] },
    });
    const State = Annotation.Root({ input: Annotation<string>(), found: Annotation<string[]>() });
    const graph = new StateGraph(State)
      .addNode('remember', async (s, config: LangGraphRunnableConfig) => {
        const store = config.store as NonNullable<typeof config.store>;
        const found = await store.search(['user', 'memories'], { query: s.input, limit: 2 });
        await store.put(['user', 'memories'], `m${found.length}-${s.input.length}`, { text: s.input });
        return { found: found.map((f) => f.value.text as string) };
      })
      .addEdge(START, 'remember')
      .compile({ store: memory });
    for (const input of ['I like lunar orbits', 'my bread recipe uses yeast', 'tokyo travel budget']) await graph.invoke({ input });
    const result = await graph.invoke({ input: 'the recipe for bread' });
    expect(result.found[0]).toBe('my bread recipe uses yeast');
    expect(result.found).toHaveLength(2);
  });

  it('refuses a bad model answer or index before writing anything', async () => {
    const wrong = new AgentstoreStore(store, { index: { dims: DIMS, embed: async (texts: string[]) => texts.map(() => [1, 2, 3]) } });
    await expect(wrong.put(['n'], 'a', { t: 'x' })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    const missing = new AgentstoreStore(store, { index: { dims: DIMS, embed: async () => [] } });
    await expect(missing.put(['n'], 'a', { t: 'x' })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    const nan = new AgentstoreStore(store, {
      index: { dims: 2, embed: async (texts: string[]) => texts.map(() => [1, Number.NaN]) },
      vectorsDomain: 'v2',
    });
    await expect(nan.put(['n'], 'a', { t: 'x' })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    const good = new AgentstoreStore(store, { index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText) } });
    await expect(good.put(['n'], 'a', { t: 'x' }, 'title' as never)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(await good.get(['n'], 'a')).toBeNull();
    expect(() => new AgentstoreStore(store, { index: { dims: 0, embed: async () => [] } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => new AgentstoreStore(store, { index: { dims: 4 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => new AgentstoreStore(store, { index: { dims: 4, embed: async () => [], fields: ['ok', ''] } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
