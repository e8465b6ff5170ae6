import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

// Only `Date` is faked: I/O, timers and the adapters' own threads run for real.
const T0 = Date.UTC(2030, 0, 1);

/** SPEC §9.5: per-domain `maxAge` retention applied by `store.prune()`. */
export function retentionSpec(h: Harness): void {
  describe('retention (maxAge, store.prune)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('journal: removes entries committed before now - maxAge; seqs are never reused', async () => {
      const store = await h.open({ domains: { jret: { maxAge: 1000 } } });
      const j = store.journal<string>('jret');
      await j.append('a', ['a1', 'a2', 'a3']);
      await j.append('b', ['b1']);
      vi.setSystemTime(T0 + 500);
      await j.append('a', ['a4', 'a5']);
      vi.setSystemTime(T0 + 1200);
      expect(await store.prune({ dryRun: true })).toEqual({
        jret: { kind: 'journal', adapter: h.target.adapter.name, rule: 'maxAge', removed: 4 },
      });
      expect((await j.read('a')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.prune()).toEqual({ jret: { kind: 'journal', adapter: h.target.adapter.name, rule: 'maxAge', removed: 4 } });
      expect((await j.read('a')).map((e) => e.value)).toEqual(['a4', 'a5']);
      // A reader of the pruned range gets what is left, and firstSeq says where the stream starts now.
      expect((await j.read('a', { fromSeq: 1, toSeq: 3 })).length).toBe(0);
      expect(await j.firstSeq('a')).toBe(4);
      expect(await j.read('b')).toEqual([]);
      expect(await j.firstSeq('b')).toBe(2);
      expect(await j.lastSeq('b')).toBe(1);
      expect(await j.append('b', ['b2'])).toEqual({ firstSeq: 2, lastSeq: 2 });
      expect(await j.streams()).toEqual(['a', 'b']);
      expect((await store.prune()).jret?.removed).toBe(0);
      vi.setSystemTime(T0 + 10_000);
      expect((await store.prune()).jret?.removed).toBe(3);
      expect(await j.append('a', ['a6'])).toEqual({ firstSeq: 6, lastSeq: 6 });
    });

    it('journal: a stream longer than one page is cut at its first young entry', async () => {
      const store = await h.open({ domains: { jlong: { maxAge: 100 } } });
      const j = store.journal<number>('jlong');
      await j.append(
        's',
        Array.from({ length: 600 }, (_, i) => i),
      );
      vi.setSystemTime(T0 + 50);
      await j.append('s', [600, 601]);
      vi.setSystemTime(T0 + 120);
      expect((await store.prune()).jlong?.removed).toBe(600);
      expect((await j.read('s')).map((e) => e.seq)).toEqual([601, 602]);
    });

    it('checkpoints: removes those saved before now - maxAge, always keeping each trace latest', async () => {
      const store = await h.open({ domains: { cret: { maxAge: 1000 } } });
      const cp = store.checkpoints('cret');
      await cp.save('t', { data: bytes(4) });
      await cp.save('u', { data: bytes(4) });
      vi.setSystemTime(T0 + 100);
      await cp.save('t', { data: bytes(4) });
      vi.setSystemTime(T0 + 200);
      const kept = await cp.save('t', { data: bytes(4) });
      vi.setSystemTime(T0 + 1150);
      const adapter = h.target.adapter.name;
      expect(await store.prune({ dryRun: true })).toEqual({ cret: { kind: 'checkpoints', adapter, rule: 'maxAge', removed: 2 } });
      expect(await cp.count('t')).toBe(3);
      expect(await store.prune()).toEqual({ cret: { kind: 'checkpoints', adapter, rule: 'maxAge', removed: 2 } });
      expect((await cp.list('t')).map((c) => c.seq)).toEqual([3]);
      expect((await cp.loadLatest('t'))?.id).toBe(kept.id);
      expect(await cp.list('u')).toHaveLength(1);
      vi.setSystemTime(T0 + 50_000);
      expect((await store.prune()).cret?.removed).toBe(0);
      expect((await cp.loadLatest('u'))?.seq).toBe(1);
      const next = await cp.save('t', { data: bytes(4) });
      expect(next.seq).toBe(4);
      expect(next.parentId).toBe(kept.id);
      vi.setSystemTime(T0 + 100_000);
      expect((await store.prune()).cret?.removed).toBe(1);
      expect((await cp.list('t')).map((c) => c.seq)).toEqual([4]);
    });

    it('kv domains with TTL records are swept; domains without a rule are not reported', async () => {
      const store = await h.open({ domains: { jnorule: {} } });
      await store.journal('jnorule').append('s', [1]);
      await store.checkpoints('cnorule').save('t', { data: bytes(1) });
      await store.kv('kvplain').put('k', 1);
      const kv = store.kv('kvttl');
      await kv.put('gone', 1, { ttlMs: 10 });
      await kv.put('stays', 2);
      vi.setSystemTime(T0 + 10_000);
      expect(await store.prune()).toEqual({ kvttl: { kind: 'kv', adapter: h.target.adapter.name, rule: 'ttl', removed: 1 } });
      expect(await store.journal('jnorule').read('s')).toHaveLength(1);
      expect(await kv.get('stays')).toBe(2);
      expect((await store.prune()).kvttl?.removed).toBe(0);
    });

    it('maxAge must be a positive integer of milliseconds', async () => {
      const store = await h.open();
      for (const maxAge of [0, -5, 1.5, '1000']) await expectCode(store.configureDomain('bad', h.route({ maxAge })), 'INVALID_OPTIONS');
    });
  });
}
