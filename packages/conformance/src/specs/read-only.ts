import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@agentstore/core';
import { readManifest } from '@agentstore/core/admin';
import { describe, expect, it } from 'vitest';
import { fileTree } from '../file-tree.js';
import { bytes, collect, expectCode, type Harness } from '../harness.js';

/**
 * SPEC §9.6: a store records its routes in dataDir's manifest; `openStore(dataDir, { readOnly: true })`
 * routes from it, reads every domain, creates nothing (the file tree is byte for byte the same
 * afterwards), and answers `NOT_FOUND` for a domain that does not exist and `UNSUPPORTED` for a write.
 */
export function readOnlySpec(h: Harness): void {
  describe.skipIf(!h.caps.persistent)('read-only open (SPEC §9.6)', () => {
    it('records the routes and kinds in the manifest', async () => {
      const a = await h.open();
      await a.kv('ro_kv').put('k', 1);
      await a.checkpoints('ro_cp').save('t', { data: bytes(3) });
      await a.close();
      const manifest = readManifest(h.dataDir());
      expect(manifest?.domains.ro_kv).toMatchObject({ adapter: h.target.adapter.name, kind: 'kv' });
      expect(manifest?.domains.ro_cp).toMatchObject({ adapter: h.target.adapter.name, kind: 'checkpoints' });
      expect(manifest?.default?.adapter).toBe(h.target.adapter.name);
      // A dropped domain's record goes with it; a later write records it again.
      const b = await h.open();
      await b.dropDomain('ro_kv');
      expect(readManifest(h.dataDir())?.domains.ro_kv).toBeUndefined();
      await b.kv('ro_kv').put('k', 2);
      await b.close();
      expect(readManifest(h.dataDir())?.domains.ro_kv).toMatchObject({ kind: 'kv' });
    });

    it('reads every domain, creates nothing, refuses writes and missing domains', async () => {
      const a = await h.open();
      await a.kv('ro_kv').putMany([
        ['a', { n: 1 }],
        ['b', 'two'],
      ]);
      await a.checkpoints('ro_cp').save('t', { data: bytes(4), metadata: { step: 1 } });
      await a.journal('ro_j').append('s', [{ e: 1 }]);
      await a.close();
      const before = fileTree(h.dataDir());

      const ro = await openStore(h.dataDir(), { readOnly: true, adapters: [h.target.adapter] });
      try {
        expect(await collect(ro.kv('ro_kv').keys())).toEqual(['a', 'b']);
        expect(await ro.kv('ro_kv').get('a')).toEqual({ n: 1 });
        expect((await ro.checkpoints('ro_cp').loadLatest('t'))?.metadata).toEqual({ step: 1 });
        expect(await ro.journal('ro_j').lastSeq('s')).toBe(1);
        const stats = await ro.stats();
        expect(stats.map((s) => s.domain).sort()).toEqual(expect.arrayContaining(['ro_cp', 'ro_j', 'ro_kv']));
        await expectCode(ro.kv('never_written').get('k'), 'NOT_FOUND');
        await expectCode(ro.kv('ro_kv').put('c', 3), 'UNSUPPORTED');
        await expectCode(ro.kv('ro_kv').delete('a'), 'UNSUPPORTED');
        await expectCode(ro.checkpoints('ro_cp').save('t', { data: bytes(1) }), 'UNSUPPORTED');
        expect(await ro.kv('ro_kv').get('c')).toBeUndefined();
      } finally {
        await ro.close();
      }
      expect(fileTree(h.dataDir())).toEqual(before);
      // Nothing was created outside dataDir either (a table, a schema): a writing store does not see it.
      const after = await h.open();
      expect((await after.stats()).map((s) => s.domain)).not.toContain('never_written');
    });

    it('a directory without a store is NOT_FOUND and stays as it was', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'agentstore-conf-empty-'));
      try {
        await expectCode(openStore(empty, { readOnly: true, adapters: [h.target.adapter] }), 'NOT_FOUND');
        expect(fileTree(empty)).toEqual([]);
        const missing = join(empty, 'nothing-here');
        await expectCode(openStore(missing, { readOnly: true, adapters: [h.target.adapter] }), 'NOT_FOUND');
        expect(fileTree(empty)).toEqual([]);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });
  });
}
