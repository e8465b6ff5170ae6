import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SPEC §3: `counters: 'buffered'` domains. */
export function kvCountersBufferedSpec(h: Harness): void {
  const persistent = h.caps.persistent;
  // A long flush period, so that only explicit flushes (and close/sync) write.
  const buffered = { c: { counters: 'buffered', counterFlushMs: 60_000 } };

  describe('kv buffered counters', () => {
    it('results and get include pending increments', async () => {
      const kv = (await h.open({ domains: buffered })).kv<unknown>('c');
      expect(await kv.updateCounter('n', 1)).toBe(1);
      expect(await kv.updateCounter('n', 2)).toBe(3);
      expect(await kv.updateCounter('n', -5)).toBe(-2);
      expect(await kv.get('n')).toBe(-2);
      expect(await kv.getMany(['n', 'missing'])).toEqual([-2, undefined]);
      expect(await kv.has('n')).toBe(true);
      expect(
        await kv.updateCounters([
          ['n', 2],
          ['m', 1],
          ['n', 1],
        ]),
      ).toEqual([0, 1, 1]);
      await kv.flushCounters();
      expect(await kv.get('n')).toBe(1);
      expect(await kv.updateCounter('n', 1)).toBe(2);
    });

    it('concurrent buffered updates are exact within the process', async () => {
      const kv = (await h.open({ domains: buffered })).kv('c');
      await Promise.all(Array.from({ length: 200 }, () => kv.updateCounter('hot', 1)));
      expect(await kv.get('hot')).toBe(200);
      await kv.flushCounters();
      expect(await kv.get('hot')).toBe(200);
    });

    it('still rejects invalid ops and non-counter values', async () => {
      const kv = (await h.open({ domains: buffered })).kv<unknown>('c');
      await kv.put('text', 'x');
      await expectCode(kv.updateCounter('text', 1), 'INVALID_VALUE');
      await expectCode(kv.updateCounter('n', 1.5), 'INVALID_VALUE');
      await expectCode(kv.updateCounter('n', { by: 1, threshold: 3 }), 'INVALID_VALUE');
      await kv.flushCounters();
      expect(await kv.has('n')).toBe(false);
      expect(await kv.get('text')).toBe('x');
    });

    it('bounded ops see pending increments and apply the threshold', async () => {
      const kv = (await h.open({ domains: buffered })).kv('c');
      await kv.updateCounter('b', 8);
      expect(await kv.updateCounter('b', { by: 5, threshold: 10, setTo: 1 })).toBe(1);
      expect(await kv.updateCounter('b', 2)).toBe(3);
      expect(await kv.get('b')).toBe(3);
    });

    it.skipIf(!persistent)('the first update of a key reads its stored value', async () => {
      const durable = await h.open();
      await durable.kv('c').updateCounter('n', 40);
      await durable.close();
      const kv = (await h.open({ domains: buffered })).kv('c');
      expect(await kv.updateCounter('n', 2)).toBe(42);
    });

    it.skipIf(!persistent)('flushCounters makes increments visible to a second store instance', async () => {
      const a = (await h.open({ domains: buffered })).kv('c');
      await a.updateCounter('n', 5);
      await a.updateCounter(['t', 1], 2);
      await a.flushCounters();
      const b = (await h.open()).kv('c');
      expect(await b.get('n')).toBe(5);
      expect(await b.get(['t', 1])).toBe(2);
    });

    it.skipIf(!persistent)('sync() and close() flush pending increments', async () => {
      const storeA = await h.open({ domains: buffered });
      const a = storeA.kv('c');
      await a.updateCounter('s', 3);
      await storeA.sync();
      const reader = (await h.open()).kv('c');
      expect(await reader.get('s')).toBe(3);
      await a.updateCounter('s', 4);
      await a.updateCounter('closed', 9);
      await storeA.close();
      expect(await reader.get('s')).toBe(7);
      expect(await reader.get('closed')).toBe(9);
    });

    it.skipIf(!persistent)('bounded ops flush that key and run durably', async () => {
      const a = (await h.open({ domains: buffered })).kv('c');
      await a.updateCounter('b', 8);
      expect(await a.updateCounter('b', { by: 1, threshold: 100, setTo: 0 })).toBe(9);
      const b = (await h.open()).kv('c');
      expect(await b.get('b')).toBe(9);
    });

    it.skipIf(!persistent)('flushes on its own every counterFlushMs', async () => {
      const a = (await h.open({ domains: { c: { counters: 'buffered', counterFlushMs: 50 } } })).kv('c');
      await a.updateCounter('t', 6);
      const b = (await h.open()).kv('c');
      let seen: unknown;
      for (let i = 0; i < 40 && seen !== 6; i++) {
        await sleep(50);
        seen = await b.get('t');
      }
      expect(seen).toBe(6);
    });
  });
}
