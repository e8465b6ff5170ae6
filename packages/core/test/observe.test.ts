import diagnostics_channel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, OPERATION_CHANNEL, type OperationEvent } from '../src/index.js';

const seen: OperationEvent[] = [];
const listener = (message: unknown) => seen.push(message as OperationEvent);
afterEach(() => {
  diagnostics_channel.unsubscribe(OPERATION_CHANNEL, listener);
  seen.length = 0;
});

describe('agentstore:operation diagnostics channel', () => {
  it('publishes one event per operation with domain, kind, operation, adapter, duration and error code', async () => {
    const store = await createStore('memory:');
    diagnostics_channel.subscribe(OPERATION_CHANNEL, listener);
    const notes = store.kv<number>('notes');
    await notes.put('a', 1);
    expect(await notes.get('a')).toBe(1);
    await expect(notes.put([], 1)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await store.checkpoints('runs').save('t1', { data: new Uint8Array([1]) });
    await expect(store.kv('runs').get('x')).rejects.toMatchObject({ code: 'WRONG_KIND' });
    const keys: unknown[] = [];
    for await (const key of notes.keys()) keys.push(key);
    await store.sync();
    expect(keys).toEqual(['a']);
    expect(seen.map((e) => [e.domain, e.kind, e.operation, e.adapter, e.error])).toEqual([
      ['notes', 'kv', 'put', 'memory', undefined],
      ['notes', 'kv', 'get', 'memory', undefined],
      ['notes', 'kv', 'put', 'memory', 'INVALID_KEY'],
      ['runs', 'checkpoints', 'save', 'memory', undefined],
      ['runs', 'kv', 'get', 'memory', 'WRONG_KIND'],
      ['notes', 'kv', 'keys', 'memory', undefined],
      [undefined, 'store', 'sync', undefined, undefined],
    ]);
    for (const e of seen) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    await store.close();
    expect(seen.at(-1)).toMatchObject({ kind: 'store', operation: 'close', error: undefined });
    await expect(notes.get('a')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(seen.at(-1)).toMatchObject({ domain: 'notes', operation: 'get', error: 'CLOSED' });
  });

  it('reports an invalid domain name with its code and no adapter', async () => {
    const store = await createStore('memory:');
    diagnostics_channel.subscribe(OPERATION_CHANNEL, listener);
    await expect(store.kv('Bad Name').get('k')).rejects.toMatchObject({ code: 'INVALID_DOMAIN' });
    expect(seen).toEqual([expect.objectContaining({ domain: 'Bad Name', adapter: undefined, error: 'INVALID_DOMAIN' })]);
    await store.close();
  });

  it('publishes nothing when nobody subscribes, and counts all the same', async () => {
    const store = await createStore('memory:');
    await store.kv('quiet').put('k', 1);
    expect(seen).toEqual([]);
    expect(diagnostics_channel.channel(OPERATION_CHANNEL).hasSubscribers).toBe(false);
    const [stats] = await store.stats();
    expect(stats?.operations?.count).toBe(1);
    await store.close();
  });
});

describe('reads that ran synchronously (one settled promise)', () => {
  it('are counted, failures as errors, and published to subscribers with their error code', async () => {
    const store = await createStore('memory:');
    const kv = store.kv<number>('fast_reads');
    const cp = store.checkpoints('fast_cps');
    await kv.put('a', 1);
    await cp.save('t', { data: new Uint8Array([7]) });
    // The kind is known after the writes: these take the synchronous path.
    expect(await kv.get('a')).toBe(1);
    expect(await kv.getMany(['a', 'b'])).toEqual([1, undefined]);
    await expect(kv.get([])).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect((await cp.loadLatest('t'))?.data).toEqual(new Uint8Array([7]));
    diagnostics_channel.subscribe(OPERATION_CHANNEL, listener);
    expect(await kv.get('a')).toBe(1);
    await expect(kv.getMany([Number.NaN])).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(await cp.list('t', { limit: 1 })).toHaveLength(1);
    expect(seen.map((e) => [e.operation, e.error, e.durationMs >= 0])).toEqual([
      ['get', undefined, true],
      ['getMany', 'INVALID_KEY', true],
      ['list', undefined, true],
    ]);
    const stats = Object.fromEntries((await store.stats()).map((s) => [s.domain, s.operations]));
    expect(stats.fast_reads?.byOperation).toMatchObject({ get: { count: 3, errors: 1 }, getMany: { count: 2, errors: 1 } });
    expect(stats.fast_cps?.byOperation).toMatchObject({ loadLatest: { count: 1, errors: 0 }, list: { count: 1, errors: 0 } });
    await store.close();
  });
});

describe('store.stats() operations', () => {
  it('counts operations, errors and latency per domain since open', async () => {
    const store = await createStore('memory:');
    const runs = store.kv<number>('runs');
    for (let i = 0; i < 5; i++) await runs.put(i, i);
    await runs.get(1);
    await expect(runs.put([], 0)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await store.journal('log').append('s', ['x']);
    const stats = await store.stats();
    const byDomain = Object.fromEntries(stats.map((s) => [s.domain, s.operations]));
    expect(byDomain.runs).toMatchObject({
      count: 7,
      errors: 1,
      byOperation: { get: { count: 1, errors: 0 }, put: { count: 6, errors: 1 } },
    });
    expect(byDomain.log).toMatchObject({ count: 1, errors: 0, byOperation: { append: { count: 1 } } });
    expect(byDomain.runs?.meanMs).toBeGreaterThanOrEqual(0);
    expect(byDomain.runs?.maxMs).toBeGreaterThanOrEqual(byDomain.runs?.meanMs ?? 0);
    await store.close();
    // A new store starts from zero: the figures are since open, not stored.
    const again = await createStore('memory:');
    expect((await again.stats()).every((s) => s.operations === undefined)).toBe(true);
    await again.close();
  });
});
