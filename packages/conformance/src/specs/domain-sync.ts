import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

/** Issue 22 item 2 (BeamAgent.Store's `sync_table`/`close_table`): `store.sync(domain)`, `store.closeDomain(domain)`. */
export function domainSyncSpec(h: Harness): void {
  const buffered = { bc: { counters: 'buffered', counterFlushMs: 60_000 } };

  describe('per-domain sync and closeDomain', () => {
    it('sync(domain) writes that domain’s buffered counters and leaves other domains’ pending', async () => {
      const store = await h.open({ domains: { ...buffered, other: { counters: 'buffered', counterFlushMs: 60_000 } } });
      const kv = store.kv('bc');
      const other = store.kv('other');
      await kv.updateCounter('n', 3);
      await other.updateCounter('n', 4);
      await store.sync('bc');
      // A second store reads only what was written: the synced domain's counter, not the other's.
      if (h.caps.multiProcess) {
        const second = await h.open();
        expect(await second.kv('bc').get('n')).toBe(3);
        expect(await second.kv('other').get('n')).toBeUndefined();
      }
      expect(await kv.get('n')).toBe(3);
      expect(await other.get('n')).toBe(4);
      await store.sync('never_used'); // nothing opened: resolves and creates nothing
      expect((await store.stats()).map((s) => s.domain)).not.toContain('never_used');
    });

    it('closeDomain flushes, and the domain’s handles open it again on their next call', async () => {
      const store = await h.open({ domains: buffered });
      const kv = store.kv<unknown>('bc');
      await kv.put('a', 1);
      await kv.updateCounter('c', 5);
      const cp = store.checkpoints('cd_cp');
      await cp.save('t', { data: bytes(3) });
      await store.closeDomain('bc');
      await store.closeDomain('bc'); // idempotent
      await store.closeDomain('not_opened');
      expect(await kv.get('a')).toBe(1);
      expect(await kv.get('c')).toBe(5);
      expect(await kv.updateCounter('c', 1)).toBe(6);
      expect((await cp.loadLatest('t'))?.seq).toBe(1);
      await store.closeDomain('cd_cp');
      expect((await cp.save('t', { data: bytes(1) })).seq).toBe(2);
      await expectCode(store.checkpoints('bc').count(), 'WRONG_KIND'); // the recorded kind is read again
    });

    it.skipIf(!h.caps.persistent)('what closeDomain flushed is there after the store is reopened', async () => {
      const first = await h.open({ domains: buffered });
      await first.kv('bc').updateCounter('c', 7);
      await first.closeDomain('bc');
      // Simulate losing the rest of the process: the store is reopened without a close-time flush
      // mattering, since nothing is pending any more.
      await first.close();
      const again = await h.open();
      expect(await again.kv('bc').get('c')).toBe(7);
    });

    it('rejects a bad domain name and a closed store', async () => {
      const store = await h.open();
      await expectCode(store.sync('Bad-Name'), 'INVALID_DOMAIN');
      await expectCode(store.closeDomain('Bad-Name'), 'INVALID_DOMAIN');
      await store.close();
      await expectCode(store.sync('a'), 'CLOSED');
      await expectCode(store.closeDomain('a'), 'CLOSED');
    });
  });
}
