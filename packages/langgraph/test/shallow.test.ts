import type { Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { collect, keysOf, putHistory } from './support/history.js';
import { ADAPTERS, openStore } from './support/stores.js';

describe.each(ADAPTERS)('AgentstoreSaver({ shallow: true }) on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  let saver: AgentstoreSaver;
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
    saver = new AgentstoreSaver(store, { shallow: true });
  });
  afterEach(async () => destroy());

  it('keeps only the latest checkpoint of each namespace, with its writes', async () => {
    const big = 'x'.repeat(10_000);
    const root = await putHistory(saver, 't', [{ a: 1, big }, { a: 2 }, { a: 3 }]);
    const child = await putHistory(saver, 't', [{ b: 1 }, { b: 2 }], 'child:1');
    const at = (id: string | undefined, ns = '') => ({ configurable: { thread_id: 't', checkpoint_ns: ns, checkpoint_id: id } });
    await saver.putWrites(at(root[2]), [['a', 'pending']], 'task');
    const listed = await collect(saver.list({ configurable: { thread_id: 't' } }));
    expect(listed.map((t) => t.checkpoint.id)).toEqual([child[1], root[2]]);
    expect(await saver.getTuple(at(root[1]))).toBeUndefined();
    expect(await saver.getTuple(at(child[0], 'child:1'))).toBeUndefined();
    const latest = await saver.getTuple({ configurable: { thread_id: 't', checkpoint_ns: '' } });
    expect(latest?.checkpoint.channel_values).toEqual({ a: 3, big });
    expect(latest?.pendingWrites).toEqual([['task', 'a', 'pending']]);
    // A saver that did not write it finds the unchanged large value in the entry the first put wrote.
    const fresh = await new AgentstoreSaver(store, { shallow: true }).getTuple(at(root[2]));
    expect(fresh?.checkpoint.channel_values).toEqual({ a: 3, big });
  });

  it('stores the same entries after 40 checkpoints as after 2, whatever each one had', async () => {
    // Like a running graph: each checkpoint is followed by its tasks' writes; every tenth has a large value.
    const run = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const [id] = await putHistory(saver, 't', [{ step: i, ...(i % 10 === 0 ? { big: 'y'.repeat(5000 + i) } : {}) }]);
        await saver.putWrites({ configurable: { thread_id: 't', checkpoint_ns: '', checkpoint_id: id } }, [['step', i]], 'task');
      }
    };
    const kinds = async () =>
      (await keysOf(store, 'checkpoints', ['t'])).map((key) => `${(key as unknown[])[1]}/${(key as unknown[]).length}`).sort();
    await run(0, 2);
    const after2 = await kinds();
    // The record (carrying the small value it changed) and its write (root namespace: no index entry).
    expect(after2).toEqual(['1/4', '1/6']);
    await run(2, 40);
    expect(await kinds()).toEqual(after2);
    expect((await saver.getTuple({ configurable: { thread_id: 't' } }))?.checkpoint.channel_values).toEqual({ step: 39 });
  });

  it('cannot be combined with exclusiveThreads', () => {
    expect(() => new AgentstoreSaver(store, { shallow: true, exclusiveThreads: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
