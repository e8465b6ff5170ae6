import type { Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver, type AgentstoreSaverOptions } from '../src/index.js';
import { collect, keysOf, putHistory } from './support/history.js';
import { openStore } from './support/stores.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

const latestOf = (saver: AgentstoreSaver, thread: string) => saver.getTuple({ configurable: { thread_id: thread } });

describe.each(['memory', 'sqlite', 'lmdb'] as const)('thread TTL on %s', (adapter) => {
  let store: Store;
  let destroy: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  const saverWith = (ttl: NonNullable<AgentstoreSaverOptions['ttl']>, extra: AgentstoreSaverOptions = {}) =>
    new AgentstoreSaver(store, { ttl, clock: clock.now, ...extra });
  beforeEach(async () => {
    ({ store, destroy } = await openStore(adapter));
    clock = manualClock();
  });
  afterEach(async () => destroy());

  it('hides a thread from getTuple and list the moment it expires, and only that thread', async () => {
    const saver = saverWith({ defaultTtlMs: 1000 });
    const [id] = await putHistory(saver, 'old', [{ a: 1 }]);
    clock.advance(500);
    await putHistory(saver, 'young', [{ a: 2 }]);
    clock.advance(499);
    expect((await latestOf(saver, 'old'))?.checkpoint.id).toBe(id);
    clock.advance(1);
    expect(await latestOf(saver, 'old')).toBeUndefined();
    expect(await saver.getTuple({ configurable: { thread_id: 'old', checkpoint_ns: '', checkpoint_id: id } })).toBeUndefined();
    expect(await collect(saver.list({ configurable: { thread_id: 'old' } }))).toEqual([]);
    const everywhere = await collect(saver.list({ configurable: {} }));
    expect(everywhere.map((t) => t.config.configurable?.thread_id)).toEqual(['young']);
    expect((await latestOf(saver, 'young'))?.checkpoint.channel_values).toEqual({ a: 2 });
  });

  it('sweeps expired threads with their writes and values, a bounded number per call', async () => {
    const saver = saverWith({ defaultTtlMs: 1000, sweepLimit: 2 });
    for (const thread of ['e1', 'e2', 'e3', 'e4']) {
      const [id] = await putHistory(saver, thread, [{ a: 1, big: 'x'.repeat(5000) }]);
      await saver.putWrites({ configurable: { thread_id: thread, checkpoint_ns: '', checkpoint_id: id } }, [['a', 2]], 'task');
    }
    clock.advance(2000);
    await putHistory(saver, 'live', [{ a: 1 }]);
    const first = await saver.sweepExpired();
    expect(first).toBeLessThanOrEqual(2);
    let total = first;
    for (let i = 0; i < 5 && total < 4; i++) total += await saver.sweepExpired();
    expect(total).toBe(4);
    for (const thread of ['e1', 'e2', 'e3', 'e4']) expect(await keysOf(store, 'checkpoints', [thread])).toEqual([]);
    expect((await keysOf(store, 'checkpoints', ['live'])).length).toBeGreaterThan(0);
    expect(await saver.sweepExpired()).toBe(0);
  });

  it('refreshOnRead keeps a thread that is read alive; without it, reads do not', async () => {
    const refreshing = saverWith({ defaultTtlMs: 1000, refreshOnRead: true });
    const plain = saverWith({ defaultTtlMs: 1000 });
    await putHistory(refreshing, 'read-often', [{ a: 1 }]);
    await putHistory(plain, 'read-plain', [{ a: 1 }]);
    for (let i = 0; i < 4; i++) {
      clock.advance(600);
      expect(await latestOf(refreshing, 'read-often')).toBeDefined();
    }
    clock.advance(600);
    expect(await latestOf(plain, 'read-plain')).toBeUndefined();
    expect(await latestOf(refreshing, 'read-often')).toBeDefined();
  });

  it('starts an expired thread afresh on put: its old checkpoints never come back', async () => {
    const saver = saverWith({ defaultTtlMs: 1000 });
    await putHistory(saver, 't', [{ a: 1 }, { a: 2 }]);
    clock.advance(1000);
    const [fresh] = await putHistory(saver, 't', [{ b: 1 }]);
    const listed = await collect(saver.list({ configurable: { thread_id: 't' } }));
    expect(listed.map((t) => t.checkpoint.id)).toEqual([fresh]);
    expect(listed[0]?.checkpoint.channel_values).toEqual({ b: 1 });
  });

  it('sweeps on an interval until close()', async () => {
    const saver = saverWith({ defaultTtlMs: 1000, sweepIntervalMs: 10 });
    await putHistory(saver, 'gone', [{ a: 1 }]);
    clock.advance(1000);
    for (let i = 0; i < 200 && (await keysOf(store, 'checkpoints', ['gone'])).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await keysOf(store, 'checkpoints', ['gone'])).toEqual([]);
    await saver.close();
    // After close its sweep no longer runs: a thread that expires now stays stored (invisible) until swept.
    await putHistory(saver, 'stays', [{ a: 1 }]);
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 60));
    expect((await keysOf(store, 'checkpoints', ['stays'])).length).toBeGreaterThan(0);
  });
});

describe('thread TTL options', () => {
  it('rejects a TTL that is missing, not positive, or given twice, and unknown keys', async () => {
    const { store, destroy } = await openStore('memory');
    try {
      for (const ttl of [
        {},
        { defaultTtlMs: 0 },
        { defaultTtlMs: 1, defaultTTL: 1 },
        { defaultTtlMs: 1, sweepLimit: 0 },
        { defaultTtlMs: 1, x: 1 },
      ])
        expect(() => new AgentstoreSaver(store, { ttl } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      // LangGraph's Redis saver counts minutes.
      const saver = new AgentstoreSaver(store, { ttl: { defaultTTL: 2 } });
      expect(saver.options.ttl?.ttlMs).toBe(120_000);
    } finally {
      await destroy();
    }
  });
});
