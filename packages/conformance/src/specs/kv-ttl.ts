import type { DomainStore, Store } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collect, expectCode, type Harness } from '../harness.js';

// Only `Date` is faked: I/O, timers and the adapters' own threads run for real.
const T0 = Date.UTC(2030, 0, 1);

/** Raw records the domain holds (stats counts what is stored, expired records until swept). */
async function stored(store: Store, domain: string): Promise<number> {
  return (await store.stats()).find((s) => s.domain === domain)?.records ?? 0;
}

async function seed(kv: DomainStore<unknown>): Promise<void> {
  await kv.put('a', 1);
  await kv.put('b', 2, { ttlMs: 1000 });
  await kv.put('c', 3);
  await kv.put('d', 4, { ttlMs: 5000 });
  await kv.put('e', 5, { ttlMs: 1000 });
}

/** SPEC §9.4: per-write and per-domain TTL on kv domains. */
export function kvTtlSpec(h: Harness): void {
  describe('kv TTL', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('an expired record is invisible to every read from its expiry instant on', async () => {
      const kv = (await h.open()).kv('ttl');
      await seed(kv);
      vi.setSystemTime(T0 + 999);
      expect(await kv.get('b')).toBe(2);
      expect(await kv.count()).toBe(5);
      vi.setSystemTime(T0 + 1000);
      expect(await kv.get('b')).toBeUndefined();
      expect(await kv.has('b')).toBe(false);
      expect(await kv.getMany(['a', 'b', 'd', 'e'])).toEqual([1, undefined, 4, undefined]);
      expect(await collect(kv.entries())).toEqual([
        ['a', 1],
        ['c', 3],
        ['d', 4],
      ]);
      expect(await collect(kv.keys({ reverse: true }))).toEqual(['d', 'c', 'a']);
      expect(await kv.count()).toBe(3);
      expect(await kv.count({ gte: 'b', lte: 'e' })).toBe(2);
      vi.setSystemTime(T0 + 5000);
      expect(await kv.get('d')).toBeUndefined();
      expect(await kv.count()).toBe(2);
    });

    it('a limited range still returns `limit` live records, in both directions', async () => {
      const kv = (await h.open()).kv('ttllim');
      for (let i = 0; i < 20; i++) await kv.put(i, i, i % 3 === 0 ? undefined : { ttlMs: 10 });
      vi.setSystemTime(T0 + 10);
      const live = [0, 3, 6, 9, 12, 15, 18];
      expect(await collect(kv.keys({ limit: 4 }))).toEqual(live.slice(0, 4));
      expect(await collect(kv.keys({ limit: 4, reverse: true }))).toEqual(live.slice(-4).reverse());
      expect(await collect(kv.keys({ gt: 3, limit: 2 }))).toEqual([6, 9]);
      expect(await collect(kv.keys({ lt: 18, limit: 2, reverse: true }))).toEqual([15, 12]);
      expect(await kv.count({ limit: 5 })).toBe(5);
      expect(await kv.count({ limit: 50 })).toBe(7);
    });

    it('the domain option ttlMs is the default; a write may give its own', async () => {
      const store = await h.open({ domains: { ttldef: { ttlMs: 100 } } });
      const kv = store.kv('ttldef');
      await kv.put('short', 1);
      await kv.put('long', 2, { ttlMs: 1000 });
      await kv.putMany([
        ['m1', 1],
        ['m2', 2],
      ]);
      vi.setSystemTime(T0 + 100);
      expect(await kv.getMany(['short', 'long', 'm1', 'm2'])).toEqual([undefined, 2, undefined, undefined]);
      vi.setSystemTime(T0 + 1000);
      expect(await kv.get('long')).toBeUndefined();
      expect(store.domainConfig('ttldef').options.ttlMs).toBe(100);
    });

    it('putMany applies its ttlMs to every entry; a later put without TTL makes a key permanent', async () => {
      const kv = (await h.open()).kv('ttlmany');
      await kv.putMany(
        [
          ['x', 1],
          ['y', 2],
        ],
        { ttlMs: 50 },
      );
      await kv.put('y', 3);
      vi.setSystemTime(T0 + 10_000);
      expect(await kv.getMany(['x', 'y'])).toEqual([undefined, 3]);
    });

    it('an expired key can be written again; deleting it reports it absent', async () => {
      const kv = (await h.open()).kv('ttlre');
      await kv.put('k', 'old', { ttlMs: 10 });
      await kv.put('j', 'old', { ttlMs: 10 });
      vi.setSystemTime(T0 + 10);
      expect(await kv.delete('k')).toBe(false);
      expect(await kv.deleteMany(['j', 'nothing'])).toBe(0);
      await kv.put('k', 'new', { ttlMs: 10 });
      expect(await kv.get('k')).toBe('new');
      vi.setSystemTime(T0 + 20);
      expect(await kv.get('k')).toBeUndefined();
    });

    it('a counter with a TTL expires as a whole and starts again from 0', async () => {
      const kv = (await h.open()).kv('ttlctr');
      expect(await kv.updateCounter('hits', 1, { ttlMs: 1000 })).toBe(1);
      vi.setSystemTime(T0 + 500);
      // Increments keep the expiry set when the counter was created (a fixed window).
      expect(await kv.updateCounter('hits', 5)).toBe(6);
      expect(await kv.updateCounters([['hits', 1]])).toEqual([7]);
      expect(await kv.get('hits')).toBe(7);
      vi.setSystemTime(T0 + 1000);
      expect(await kv.get('hits')).toBeUndefined();
      expect(await kv.count()).toBe(0);
      expect(await kv.updateCounter('hits', 2, { ttlMs: 1000 })).toBe(2);
      vi.setSystemTime(T0 + 1999);
      expect(await kv.get('hits')).toBe(2);
      vi.setSystemTime(T0 + 2000);
      expect(await kv.updateCounter('hits', { by: 1, threshold: 10, setTo: 0 })).toBe(1);
      // Restarted without a TTL (the update gave none): it stays.
      vi.setSystemTime(T0 + 100_000);
      expect(await kv.get('hits')).toBe(1);
    });

    it('tuple counters take a TTL too', async () => {
      const kv = (await h.open()).kv('ttltuple');
      expect(await kv.updateCounter('t', [[0, 1]], { ttlMs: 100 })).toEqual([1]);
      expect(await kv.updateCounter('t', [[1, 2]])).toEqual([2]);
      expect(await kv.get('t')).toEqual([1, 2]);
      vi.setSystemTime(T0 + 100);
      expect(await kv.get('t')).toBeUndefined();
      expect(await kv.updateCounter('t', [[0, 5]])).toEqual([5]);
    });

    it('a domain default TTL applies to counters it creates', async () => {
      const kv = (await h.open({ domains: { ttlctrdef: { ttlMs: 100 } } })).kv('ttlctrdef');
      await kv.updateCounter('c', 3);
      vi.setSystemTime(T0 + 100);
      expect(await kv.get('c')).toBeUndefined();
      expect(await kv.updateCounter('c', 1)).toBe(1);
    });

    it('refreshOnRead pushes the expiry out on every get', async () => {
      const store = await h.open({ domains: { ttlrefresh: { refreshOnRead: true } } });
      const kv = store.kv('ttlrefresh');
      await kv.put('s', 'session', { ttlMs: 1000 });
      await kv.put('idle', 'x', { ttlMs: 1000 });
      vi.setSystemTime(T0 + 900);
      expect(await kv.get('s')).toBe('session');
      await store.sync(); // the refresh is written in the background; sync waits for it
      vi.setSystemTime(T0 + 1800);
      expect(await kv.getMany(['s', 'idle'])).toEqual(['session', undefined]);
      await store.sync();
      vi.setSystemTime(T0 + 2700);
      expect(await kv.get('s')).toBe('session');
      vi.setSystemTime(T0 + 3800);
      expect(await kv.get('s')).toBeUndefined();
    });

    it('refreshOnRead refreshes the keys that were read, whatever is read after them before it is written', async () => {
      const store = await h.open({ domains: { ttlrefresh2: { refreshOnRead: true } } });
      const kv = store.kv('ttlrefresh2');
      await kv.put('read', 1, { ttlMs: 1000 });
      await kv.put('other', 2, { ttlMs: 1000 });
      await kv.put('plain', 3);
      vi.setSystemTime(T0 + 900);
      // Two gets in one turn: the refresh of the first is written after the second has run.
      const [first, second] = await Promise.all([kv.get('read'), kv.get(['a', 'key', 'of', 'other', 'length'])]);
      expect([first, second]).toEqual([1, undefined]);
      expect(await kv.get('plain')).toBe(3);
      await store.sync();
      vi.setSystemTime(T0 + 1500);
      expect(await kv.getMany(['read', 'other', 'plain'])).toEqual([1, undefined, 3]);
    });

    it('without refreshOnRead a read leaves the expiry alone', async () => {
      const store = await h.open();
      const kv = store.kv('ttlnorefresh');
      await kv.put('s', 1, { ttlMs: 1000 });
      vi.setSystemTime(T0 + 900);
      expect(await kv.get('s')).toBe(1);
      await store.sync();
      vi.setSystemTime(T0 + 1000);
      expect(await kv.get('s')).toBeUndefined();
    });

    it('sweepExpired deletes expired records and returns how many', async () => {
      const store = await h.open();
      const kv = store.kv('ttlsweep');
      await seed(kv);
      expect(await kv.sweepExpired()).toBe(0);
      vi.setSystemTime(T0 + 1000);
      expect(await stored(store, 'ttlsweep')).toBe(5);
      expect(await kv.sweepExpired()).toBe(2);
      expect(await stored(store, 'ttlsweep')).toBe(3);
      expect(await kv.sweepExpired()).toBe(0);
      expect(await collect(kv.keys())).toEqual(['a', 'c', 'd']);
    });

    it('sweepExpired walks a domain larger than one sweep batch', async () => {
      const kv = (await h.open()).kv('ttlsweepbig');
      await kv.putMany(
        Array.from({ length: 2500 }, (_, i) => [i, i] as [number, number]),
        { ttlMs: 10 },
      );
      await kv.put('keep', true);
      vi.setSystemTime(T0 + 10);
      expect(await kv.sweepExpired()).toBe(2500);
      expect(await kv.count()).toBe(1);
    });

    it('the background sweep deletes expired records on its own', async () => {
      const store = await h.open({ domains: { ttlbg: { ttlSweepMs: 20 } } });
      const kv = store.kv('ttlbg');
      await seed(kv);
      vi.setSystemTime(T0 + 5000);
      const deadline = performance.now() + 10_000;
      while ((await stored(store, 'ttlbg')) > 2 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await stored(store, 'ttlbg')).toBe(2);
      expect(await collect(kv.keys())).toEqual(['a', 'c']);
    });

    it('bad TTLs are INVALID_VALUE / INVALID_OPTIONS and write nothing', async () => {
      const store = await h.open();
      const kv = store.kv('ttlbad');
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
        await expectCode(kv.put('k', 1, { ttlMs } as never), 'INVALID_VALUE');
        await expectCode(kv.putMany([['k', 1]], { ttlMs } as never), 'INVALID_VALUE');
        await expectCode(kv.updateCounter('k', 1, { ttlMs } as never), 'INVALID_VALUE');
      }
      await expectCode(kv.put('k', 1, { ttl: 5 } as never), 'INVALID_VALUE');
      expect(await kv.count()).toBe(0);
      await expectCode(store.configureDomain('ttlbad2', h.route({ ttlMs: 0 })), 'INVALID_OPTIONS');
      await expectCode(store.configureDomain('ttlbad2', h.route({ refreshOnRead: 'yes' })), 'INVALID_OPTIONS');
    });

    it.skipIf(!h.caps.persistent)(
      'expiry is stored with the record: it holds after reopening, and records without a TTL read as before',
      async () => {
        const first = await h.open();
        await seed(first.kv('ttlpersist'));
        await first.close();
        vi.setSystemTime(T0 + 1000);
        const kv = (await h.open()).kv('ttlpersist');
        expect(await collect(kv.entries())).toEqual([
          ['a', 1],
          ['c', 3],
          ['d', 4],
        ]);
        expect(await kv.count()).toBe(3);
      },
    );

    it.skipIf(!h.caps.multiProcess)('two stores on one dataDir: TTL records, TTL counters and sweeps across stores', async () => {
      const a = (await h.open()).kv('ttlshared');
      const b = (await h.open()).kv('ttlshared');
      await a.put('plain', 0);
      expect(await b.get('plain')).toBe(0); // b knows the kind now: its counters may take a native path
      await a.put('k', 'v', { ttlMs: 100 });
      await a.updateCounter('c', 5, { ttlMs: 100 });
      expect(await b.get('k')).toBe('v');
      // b has seen no TTL write itself; its counter update must keep the record's expiry anyway.
      expect(await b.updateCounter('c', 1)).toBe(6);
      expect(await b.count()).toBe(3);
      vi.setSystemTime(T0 + 100);
      expect(await b.get('c')).toBeUndefined();
      expect(await b.getMany(['k', 'c', 'plain'])).toEqual([undefined, undefined, 0]);
      expect(await b.count()).toBe(1);
      expect(await b.updateCounter('c', 1)).toBe(1);
      expect(await b.sweepExpired()).toBe(1);
      expect(await a.get('c')).toBe(1);
      expect(await collect(a.keys())).toEqual(['c', 'plain']);
    });

    it.skipIf(!h.caps.persistent || h.caps.guardedWrites !== true)('migrateDomain carries the expiry of every record', async () => {
      const store = await h.open();
      const kv = store.kv('ttlmig');
      await seed(kv);
      await kv.updateCounter('n', 1, { ttlMs: 1000 });
      const report = await store.migrateDomain('ttlmig', { adapter: 'memory' });
      expect(report.verification.target).toBe(report.verification.source);
      expect(store.adapterOf('ttlmig')).toBe('memory');
      expect(await kv.count()).toBe(6);
      vi.setSystemTime(T0 + 1000);
      expect(await collect(kv.keys())).toEqual(['a', 'c', 'd']);
      expect(await kv.count()).toBe(3);
      expect(await kv.updateCounter('n', 1)).toBe(1);
      expect(await kv.sweepExpired()).toBe(2);
    });

    it('clear forgets TTL records; the domain counts natively again', async () => {
      const kv = (await h.open()).kv('ttlclear');
      await seed(kv);
      await kv.clear();
      await kv.put('z', 1);
      vi.setSystemTime(T0 + 10_000);
      expect(await kv.count()).toBe(1);
      expect(await collect(kv.keys())).toEqual(['z']);
    });
  });
}
