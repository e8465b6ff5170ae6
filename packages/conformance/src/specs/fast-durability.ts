import { describe, expect, it } from 'vitest';
import { bytes, collect, expectCode, type Harness } from '../harness.js';

/** A window no test waits out: whatever commits during the test was committed by a flush, not the clock. */
const LONG = { durability: 'fast', fastWindowMs: 60_000 };

/**
 * SPEC §9.2: `fast` is write-behind. A process reads its acknowledged writes at once, `sync()` and
 * `close()` commit what waits without waiting out `fastWindowMs`, batches keep acknowledgement order,
 * and operations whose result depends on other processes stay exact. (What a crash leaves — a prefix
 * of the acknowledged writes — is proven by SIGKILL rounds in `packages/reliability`.)
 */
export function fastDurabilitySpec(h: Harness): void {
  describe("'fast' durability (write-behind, SPEC §9.2)", () => {
    it('reads in the process see acknowledged writes at once: get, getMany, has, entries, keys, count', async () => {
      const store = await h.open({ domains: { fw: LONG } });
      const kv = store.kv<unknown>('fw');
      await kv.put('first', 0); // the first write records the domain's kind
      await kv.put('a', 1);
      await kv.putMany([
        ['b', { two: 2 }],
        ['c', 'three'],
        ['a', 'one again'],
      ]);
      expect(await kv.get('a')).toBe('one again');
      expect(await kv.getMany(['b', 'c', 'zz'])).toEqual([{ two: 2 }, 'three', undefined]);
      expect(await kv.has('c')).toBe(true);
      expect(await collect(kv.keys())).toEqual(['a', 'b', 'c', 'first']);
      expect(await collect(kv.entries({ limit: 2, reverse: true }))).toEqual([
        ['first', 0],
        ['c', 'three'],
      ]);
      expect(await collect(kv.keys({ gt: 'a', lt: 'first' }))).toEqual(['b', 'c']);
      expect(await kv.count()).toBe(4);
      await kv.put('d', 4);
      expect(await kv.delete('d')).toBe(true);
      expect(await kv.get('d')).toBeUndefined();
      expect(await kv.count()).toBe(4);
    });

    it('puts with ttlMs (write-behind once the TTL marker is recorded) keep their expiry: get, count, reopen', async () => {
      const store = await h.open({ domains: { ft: LONG } });
      const kv = store.kv<number>('ft');
      await kv.put('first', 0, { ttlMs: 3_600_000 }); // records the kind and the TTL marker
      await kv.put('short', 1, { ttlMs: 1 });
      await kv.putMany([['long', 2]], { ttlMs: 3_600_000 });
      await kv.put('plain', 3);
      expect(await kv.get('long')).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.count()).toBe(3);
      await store.close();
      if (!h.caps.persistent) return;
      const again = await h.open({ domains: { ft: LONG } });
      expect(await collect(again.kv<number>('ft').entries())).toEqual([
        ['first', 0],
        ['long', 2],
        ['plain', 3],
      ]);
    });

    it('sync(domain), sync() and close() commit what waits without waiting out the window', async () => {
      const store = await h.open({ domains: { fw: LONG, fw2: LONG } });
      const kv = store.kv<number>('fw');
      const other = store.kv<number>('fw2');
      await kv.put('k0', 0);
      await other.put('k0', 0);
      const started = Date.now();
      await kv.put('k1', 1);
      await store.sync('fw');
      await other.put('k1', 1);
      await store.sync();
      await kv.put('k2', 2);
      await store.close();
      // Far below the 60 s window: the flushes did not wait for the clock.
      expect(Date.now() - started).toBeLessThan(20_000);
      if (!h.caps.persistent) return;
      const again = await h.open({ domains: { fw: LONG, fw2: LONG } });
      expect(await collect(again.kv<number>('fw').entries())).toEqual([
        ['k0', 0],
        ['k1', 1],
        ['k2', 2],
      ]);
      expect(await again.kv<number>('fw2').get('k1')).toBe(1);
    });

    it.skipIf(!h.caps.persistent)('keeps acknowledgement order across many batches: the last write of a key wins', async () => {
      const domains = { fo: { durability: 'fast', fastWindowMs: 2, fastMaxBatch: 7 } };
      const store = await h.open({ domains });
      const kv = store.kv<number>('fo');
      for (let i = 0; i < 60; i++) {
        await kv.put(['n', i], i);
        await kv.put('last', i);
      }
      // Writes issued together are acknowledged in call order too.
      await Promise.all(Array.from({ length: 40 }, (_, i) => kv.put('last', 60 + i)));
      expect(await kv.get('last')).toBe(99);
      await store.close();
      const again = await h.open({ domains });
      const reopened = again.kv<number>('fo');
      expect(await reopened.get('last')).toBe(99);
      expect(await reopened.count({ prefix: ['n'] })).toBe(60);
    });

    it('operations that depend on other processes commit before they resolve and stay exact', async () => {
      const store = await h.open({ domains: { fx: LONG, fxcp: LONG, fxj: LONG } });
      const kv = store.kv<unknown>('fx');
      await kv.put('seed', 1);
      const counts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? kv.updateCounter('c', 1) : kv.put(['p', i], i))),
      );
      expect(counts.filter((n) => typeof n === 'number').sort()).toEqual([1, 2, 3, 4, 5]);
      const cp = store.checkpoints('fxcp');
      const first = await cp.save('t', { data: bytes(2) });
      await expectCode(cp.save('t', { data: bytes(2), expectLatest: 'not-the-latest' }), 'CONFLICT');
      expect((await cp.save('t', { data: bytes(2), expectLatest: first.id })).seq).toBe(2);
      const journal = store.journal('fxj');
      expect(await journal.append('s', [{ e: 1 }, { e: 2 }])).toEqual({ firstSeq: 1, lastSeq: 2 });
      await expectCode(journal.append('s', [{ e: 3 }], { expectLastSeq: 1 }), 'CONFLICT');
      if (!h.caps.multiProcess) return;
      // A second store (in a real deployment another process) sees the exact results at once.
      const second = await h.open({ domains: { fx: LONG, fxcp: LONG } });
      expect(await second.kv('fx').get('c')).toBe(5);
      expect((await second.checkpoints('fxcp').loadLatest('t'))?.seq).toBe(2);
    });

    it('rejects bad fastWindowMs and fastMaxBatch with INVALID_OPTIONS', async () => {
      const store = await h.open();
      for (const options of [
        { fastWindowMs: -1 },
        { fastWindowMs: 'soon' },
        { fastWindowMs: 1.5 },
        { fastMaxBatch: 0 },
        { fastMaxBatch: 'many' },
      ]) {
        const err = await expectCode(store.configureDomain('d', h.route({ durability: 'fast', ...options })), 'INVALID_OPTIONS');
        expect(err.issues?.length ?? 0).toBeGreaterThan(0);
      }
      await store.configureDomain('d', h.route({ durability: 'fast', fastWindowMs: 0, fastMaxBatch: 1 }));
      expect(store.domainConfig('d').options).toMatchObject({ fastWindowMs: 0, fastMaxBatch: 1 });
      await store.kv('d').put('k', 1);
      expect(await store.kv('d').get('k')).toBe(1);
    });
  });
}
