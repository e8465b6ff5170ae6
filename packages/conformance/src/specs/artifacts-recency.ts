import { describe, expect, it } from 'vitest';
import type { Harness } from '../harness.js';

const SIZE = 1024;
/** Longer than core's recency flush window (1 s). */
const RECENCY_WAIT_MS = 1_500;
const bytes = (n: number): Uint8Array => new Uint8Array(SIZE).fill(n & 0xff);

/** A fixed permutation of 0..n-1 (a multiplicative step coprime with n). */
const permutation = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 37 + 11) % n);

/**
 * Issue 17 item 4: a `get` hit records its use in memory and the LRU index is written in batches. The
 * order stays exact: writes and evictions between hits (with no `lru()` call to flush) see every use
 * recorded so far, and a window of more hits than one flush batch keeps their order.
 */
export function artifactsRecencySpec(h: Harness): void {
  describe('artifacts: batched recency', () => {
    it('evictions between hits follow the order of the hits recorded in memory', async () => {
      const a = (await h.open()).artifacts('recency', { budgetBytes: 4 * SIZE });
      for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) await a.put(k, bytes(i));
      expect((await a.get('a'))?.[0]).toBe(0);
      expect((await a.get('c'))?.[0]).toBe(2);
      expect((await a.get('b'))?.[0]).toBe(1);
      await a.put('e', bytes(4)); // evicts d: the only blob not used since
      expect(await a.has('d')).toBe(false);
      await a.put('f', bytes(5)); // then a, the oldest hit
      expect(await a.has('a')).toBe(false);
      expect(await a.evictBytes(SIZE)).toEqual({ evicted: 1, freedBytes: SIZE }); // then c
      expect(await a.lru()).toEqual(['b', 'e', 'f']);
    });

    it('more hits than one flush batch keep their exact order', { timeout: 60_000 }, async () => {
      const a = (await h.open()).artifacts('recency_many');
      const n = 300;
      for (let i = 0; i < n; i++) await a.put(`k${i}`, bytes(i));
      const order = permutation(n);
      // Some keys are hit twice: only the last hit counts.
      const hits = [...order.slice(0, 50), ...order];
      for (const i of hits) expect((await a.get(`k${i}`))?.[0], `k${i}`).toBe(i & 0xff);
      expect(await a.lru()).toEqual(order.map((i) => `k${i}`));
    });

    it('stat shows a hit’s time before it is written; a hit on a replaced or deleted key moves nothing else', async () => {
      const a = (await h.open()).artifacts('recency_stat');
      for (const [i, k] of ['a', 'b', 'c'].entries()) await a.put(k, bytes(i));
      const before = (await a.stat('a'))?.lastUsed as number;
      await new Promise((r) => setTimeout(r, 5));
      const t = Date.now();
      await a.get('a');
      expect((await a.stat('a'))?.lastUsed).toBeGreaterThanOrEqual(Math.max(t, before + 1));
      await a.get('b');
      await a.put('b', bytes(9)); // replaced after its hit: the put made the new blob most recent
      await a.get('c');
      expect(await a.delete('c')).toBe(true); // deleted after its hit
      expect(await a.lru()).toEqual(['a', 'b']);
      expect((await a.get('b'))?.[0]).toBe(9);
      const audit = await a.audit();
      expect(audit.count).toBe(2);
      expect(audit.orphanBlobs).toBe(0);
    });

    it('a domain dropped with uses still in memory stays dropped', { timeout: 30_000 }, async () => {
      const store = await h.open();
      const a = store.artifacts('recency_drop');
      await a.put('a', bytes(1));
      await a.get('a'); // a use in memory, not yet written
      await store.dropDomain('recency_drop');
      // Past the flush window: nothing may write the dropped domain back.
      await new Promise((r) => setTimeout(r, RECENCY_WAIT_MS));
      expect((await store.stats()).map((d) => d.domain)).not.toContain('recency_drop');
    });
  });
}
