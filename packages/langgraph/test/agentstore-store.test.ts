import type { Store } from '@agentstore/core';
import { type GetOperation, InMemoryStore, type PutOperation, type SearchOperation } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreStore } from '../src/index.js';
import { ADAPTERS, openStore } from './support/stores.js';

describe.each(ADAPTERS)('AgentstoreStore on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  let memory: AgentstoreStore;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
    memory = new AgentstoreStore(store);
  });
  afterEach(async () => destroy());

  it('puts, gets, updates and deletes items, keeping createdAt', async () => {
    await memory.put(['users', 'u1'], 'prefs', { theme: 'dark', since: new Date(0), tags: new Set(['a']) });
    const first = await memory.get(['users', 'u1'], 'prefs');
    expect(first).toMatchObject({
      key: 'prefs',
      namespace: ['users', 'u1'],
      value: { theme: 'dark', since: new Date(0), tags: new Set(['a']) },
    });
    expect(first?.createdAt).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 5));
    await memory.put(['users', 'u1'], 'prefs', { theme: 'light' });
    const second = await memory.get(['users', 'u1'], 'prefs');
    expect(second?.value).toEqual({ theme: 'light' });
    expect(second?.createdAt).toEqual(first?.createdAt);
    expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? 0);
    await memory.delete(['users', 'u1'], 'prefs');
    expect(await memory.get(['users', 'u1'], 'prefs')).toBeNull();
  });

  it('searches a namespace prefix with filters, limit and offset', async () => {
    for (let i = 0; i < 6; i++) await memory.put(['docs', i % 2 ? 'odd' : 'even'], `d${i}`, { n: i, kind: i < 3 ? 'early' : 'late' });
    await memory.put(['docsx'], 'not-a-child', { n: 100, kind: 'early' });
    await memory.put(['docs'], 'top', { n: -1, kind: 'early' });
    const keys = async (...args: Parameters<AgentstoreStore['search']>) => (await memory.search(...args)).map((item) => item.key);
    expect(await keys(['docs'])).toEqual(['top', 'd0', 'd2', 'd4', 'd1', 'd3', 'd5']);
    expect(await keys(['docs', 'odd'])).toEqual(['d1', 'd3', 'd5']);
    expect(await keys(['docs'], { filter: { kind: 'early' } })).toEqual(['top', 'd0', 'd2', 'd1']);
    expect(await keys(['docs'], { filter: { n: { $gte: 2, $lt: 5 } } })).toEqual(['d2', 'd4', 'd3']);
    expect(await keys(['docs'], { filter: { n: { $in: [0, 5] } } })).toEqual(['d0', 'd5']);
    expect(await keys(['docs'], { limit: 2, offset: 1 })).toEqual(['d0', 'd2']);
    expect(await keys([], { limit: 100 })).toHaveLength(8);
    // A query needs a vector index, which AgentstoreStore does not have: it is ignored, as in InMemoryStore without one.
    expect(await keys(['docs', 'odd'], { query: 'anything' })).toEqual(['d1', 'd3', 'd5']);
    const [item] = await memory.search(['docs', 'odd'], { limit: 1 });
    expect(item).toMatchObject({ namespace: ['docs', 'odd'], key: 'd1', value: { n: 1, kind: 'early' }, score: undefined });
  });

  it('lists namespaces with prefix, suffix, wildcards, maxDepth, limit and offset, like InMemoryStore', async () => {
    const reference = new InMemoryStore();
    const namespaces = [['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'x', 'c'], ['b', 'b'], ['c', 'd', 'e', 'f']];
    for (const ns of namespaces) {
      await memory.put(ns, 'k1', { v: 1 });
      await memory.put(ns, 'k2', { v: 2 });
      await reference.put(ns, 'k1', { v: 1 });
    }
    const queries: Array<Parameters<AgentstoreStore['listNamespaces']>[0]> = [
      {},
      { prefix: ['a'] },
      { prefix: ['a', '*', 'c'] },
      { suffix: ['c'] },
      { suffix: ['b'] },
      { maxDepth: 1 },
      { maxDepth: 2 },
      { prefix: ['a'], maxDepth: 2 },
      { limit: 2, offset: 1 },
      { prefix: ['zzz'] },
    ];
    for (const query of queries) {
      const ours = await memory.listNamespaces(query);
      const theirs = await reference.listNamespaces(query);
      expect({ query, ours }).toEqual({ query, ours: theirs });
    }
  });

  it('applies a batch: reads see the state before the batch, the last write of a key wins', async () => {
    await memory.put(['ns'], 'a', { v: 1 });
    const ops: [GetOperation, PutOperation, PutOperation, SearchOperation] = [
      { namespace: ['ns'], key: 'a' },
      { namespace: ['ns'], key: 'a', value: { v: 2 } },
      { namespace: ['ns'], key: 'a', value: { v: 3 } },
      { namespacePrefix: ['ns'], limit: 10, offset: 0 },
    ];
    const [before, , , after] = await memory.batch(ops);
    expect(before?.value).toEqual({ v: 1 });
    expect(after?.map((i) => i.value)).toEqual([{ v: 1 }]);
    expect((await memory.get(['ns'], 'a'))?.value).toEqual({ v: 3 });
  });
});
