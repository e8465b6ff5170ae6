import { commonOptionsSchema, type DomainBackend, StoreError, type WriteGuard } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { bytes, collect, expectCode, type Harness } from '../harness.js';

/** Where the suite migrates to: the memory adapter, which every store registers. */
const AWAY = { adapter: 'memory' };

/**
 * SPEC §9.1: once `migrateDomain` has committed its tombstone, a store instance that opened the
 * domain before (another instance on the same dataDir, as another process would be) gets `MOVED`
 * from every write, in the transaction that would have written, and from every read; and the
 * backend primitives that bypass `transact` (native counters, clear) refuse as their guard says.
 * Runs where data outlives a store instance and the adapter declares `guardedWrites`.
 */
export function migrationGuardSpec(h: Harness): void {
  describe.skipIf(!h.caps.persistent || h.caps.guardedWrites !== true)('migration guard', () => {
    it('a store that opened a kv domain before the migration gets MOVED on every write and read', async () => {
      const stale = await h.open();
      const kv = stale.kv<number>('mv');
      await kv.put('a', 1);
      await kv.updateCounter('n', 1); // the kind is recorded and cached; the native counter path is open
      const mover = await h.open();
      await mover.kv('mv').put('b', 2);
      const report = await mover.migrateDomain('mv', AWAY);
      expect(report.verification.algorithm).toBe('sha256');
      expect(report.verification.target).toBe(report.verification.source);
      await expectCode(kv.put('a', 9), 'MOVED');
      await expectCode(kv.putMany([['c', 3]]), 'MOVED');
      await expectCode(kv.delete('a'), 'MOVED');
      await expectCode(kv.updateCounter('n', 1), 'MOVED'); // a lone call: the native path where there is one
      await expectCode(Promise.all([kv.updateCounter('n', 1), kv.updateCounter('n', 1)]), 'MOVED');
      await expectCode(kv.clear(), 'MOVED');
      await expectCode(kv.get('a'), 'MOVED');
      await expectCode(kv.getMany(['a', 'b']), 'MOVED');
      await expectCode(kv.count(), 'MOVED');
      await expectCode(collect(kv.entries()), 'MOVED');
      // Nothing the stale store tried reached the new route.
      const moved = mover.kv<number>('mv');
      expect(await collect(moved.entries())).toEqual([
        ['a', 1],
        ['b', 2],
        ['n', 1],
      ]);
    });

    it('a store that opened a domain of any kind before the migration gets MOVED on its writes', async () => {
      const stale = await h.open();
      const cp = stale.checkpoints('mcp');
      const journal = stale.journal('mj');
      const versioned = stale.versioned('mvr');
      const snapshots = stale.snapshots('ms');
      const artifacts = stale.artifacts('ma');
      await cp.save('t', { data: bytes(3) });
      await journal.append('s', ['x']);
      await versioned.put('k', 1);
      await snapshots.put({ v: 1 });
      await artifacts.put('blob', bytes(10));
      const mover = await h.open();
      for (const domain of ['mcp', 'mj', 'mvr', 'ms', 'ma']) await mover.migrateDomain(domain, AWAY);
      await expectCode(cp.save('t', { data: bytes(4) }), 'MOVED');
      await expectCode(journal.append('s', ['y']), 'MOVED');
      await expectCode(versioned.put('k', 2), 'MOVED');
      await expectCode(snapshots.put({ v: 2 }), 'MOVED');
      await expectCode(artifacts.put('blob2', bytes(10)), 'MOVED');
      await expectCode(cp.loadLatest('t'), 'MOVED');
      await expectCode(journal.read('s'), 'MOVED');
      expect((await mover.checkpoints('mcp').loadLatest('t'))?.seq).toBe(1);
      expect(await mover.journal('mj').lastSeq('s')).toBe(1);
      expect((await mover.snapshots('ms').get())?.epoch).toBe(1);
    });

    it('buffered increments pending in a store that opened the domain before are refused at their flush', async () => {
      const stale = await h.open({ domains: { mb: { counters: 'buffered', counterFlushMs: 60_000 } } });
      const kv = stale.kv('mb');
      await kv.updateCounter('n', 5);
      await kv.flushCounters();
      expect(await kv.updateCounter('n', 2)).toBe(7); // pending in this process only
      const mover = await h.open();
      await mover.migrateDomain('mb', AWAY);
      await expectCode(kv.flushCounters(), 'MOVED');
      await expectCode(kv.updateCounter('n', 1), 'MOVED');
      await expectCode(stale.sync(), 'MOVED');
      expect(await mover.kv('mb').get('n')).toBe(5);
    });

    it("the backend's native counters and clear refuse as their guard says, writing nothing", async () => {
      const instance = await h.target.adapter.open({ dataDir: h.dataDir() });
      try {
        const options = { ...commonOptionsSchema.parse({}), ...(h.target.adapter.optionsSchema.parse(h.target.options ?? {}) as object) };
        const backend: DomainBackend = await instance.domain('raw_guard', options as never);
        const guardKey = Uint8Array.of(0x00, 0x67);
        const key = Uint8Array.of(0x20, 0x01);
        const fresh = Uint8Array.of(0x20, 0x02);
        const guard: WriteGuard = { key: guardKey, refuse: () => new StoreError('MOVED', 'guarded') };
        // No guard value yet: both work.
        if (backend.updateCounters) await backend.updateCounters([{ key, by: 1 }], guard);
        else await backend.transact((tx) => tx.put(key, Uint8Array.of(1)));
        await backend.clear(guard);
        expect(await backend.count({})).toBe(0);
        await backend.transact((tx) => {
          tx.put(key, Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f)); // the counter 1 (tag, float64 LE)
          tx.put(guardKey, Uint8Array.of(1));
        });
        const before = await backend.get(key);
        if (backend.updateCounters) {
          await expectCode(backend.updateCounters([{ key, by: 1 }], guard), 'MOVED');
          // Two at once take the grouped path on backends that have one.
          await expectCode(
            Promise.all([backend.updateCounters([{ key, by: 1 }], guard), backend.updateCounters([{ key, by: 1 }], guard)]),
            'MOVED',
          );
          // A counter the update would create is refused alike (the final count shows nothing was written).
          await expectCode(backend.updateCounters([{ key: fresh, by: 1 }], guard), 'MOVED');
          expect(await backend.get(key)).toEqual(before);
        }
        if (backend.updateCounterSync) {
          // The synchronous form, with the turn's commit budget fresh and nothing queued: it commits
          // now or refuses now, never returns undefined here.
          await new Promise((resolve) => setImmediate(resolve));
          for (const k of [key, fresh]) {
            expect(() => backend.updateCounterSync?.({ key: k, by: 1 }, guard)).toThrow(expect.objectContaining({ code: 'MOVED' }));
          }
          expect(await backend.get(key)).toEqual(before);
        }
        await expectCode(backend.clear(guard), 'MOVED');
        expect(await backend.count({})).toBe(2);
      } finally {
        await instance.close();
      }
    });
  });
}
