import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AdapterName, codeOf, fillKv, openStore, tempDir } from './support/stores.js';

const here = dirname(fileURLToPath(import.meta.url));

const PERSISTENT_PAIRS: Array<[AdapterName, AdapterName]> = [
  ['sqlite', 'lmdb'],
  ['lmdb', 'level'],
  ['level', 'sqlite'],
];

describe('migrateDomain on persistent backends', () => {
  for (const [from, to] of PERSISTENT_PAIRS) {
    it(`${from} → ${to}: a writer running during the migration loses nothing`, async () => {
      const tmp = await tempDir();
      try {
        const store = await openStore(tmp.dir, { runs: { adapter: from } });
        await fillKv(store, 'runs', 30_000);
        const kv = store.kv<number>('runs');
        let stop = false;
        let written = 0;
        let duringMigration = 0;
        let migrating = false;
        const writer = (async () => {
          while (!stop) {
            await kv.put(['w', written], written);
            await kv.updateCounter('writes', 1);
            written++;
            if (migrating) duringMigration++;
          }
        })();
        await new Promise((r) => setTimeout(r, 20));
        migrating = true;
        const report = await store.migrateDomain('runs', { adapter: to });
        migrating = false;
        await new Promise((r) => setTimeout(r, 20));
        stop = true;
        await writer;
        expect(duringMigration).toBeGreaterThan(0);
        expect(report.records).toBeGreaterThanOrEqual(30_001);
        expect(await kv.count({ prefix: ['w'] })).toBe(written);
        expect(await kv.get('writes')).toBe(written);
        for (const i of [0, Math.floor(written / 2), written - 1]) expect(await kv.get(['w', i])).toBe(i);
        await store.close();
        // Everything is on the target after a reopen routed the new way.
        const reopened = await openStore(tmp.dir, { runs: { adapter: to } });
        expect(await reopened.kv('runs').count({ prefix: ['w'] })).toBe(written);
        expect(await reopened.kv('runs').count({ prefix: ['r'] })).toBe(30_000);
        await reopened.close();
      } finally {
        await tmp.remove();
      }
    });

    it(`${from} → ${to}: a store still routed the old way gets MOVED, naming the new route`, async () => {
      const tmp = await tempDir();
      try {
        const a = await openStore(tmp.dir, { runs: { adapter: from } });
        const stale = await openStore(tmp.dir, { runs: { adapter: from } }); // opened before, not yet used
        await fillKv(a, 'runs', 1000);
        await a.migrateDomain('runs', { adapter: to, options: { durability: 'strict' } });
        const err = await stale
          .kv('runs')
          .get(['r', 1])
          .then(
            () => undefined,
            (e: unknown) => e as Error & { code?: string },
          );
        expect(err?.code).toBe('MOVED');
        expect(err?.message).toContain(to);
        expect(err?.message).toContain('strict');
        expect(await codeOf(stale.kv('runs').put('x', 1))).toBe('MOVED');
        expect(await codeOf(stale.checkpoints('runs').traces())).toBe('MOVED');
        expect(await codeOf(stale.dropDomain('runs'))).toBe('MOVED');
        await stale.close();
        await a.close();
        const late = await openStore(tmp.dir, { runs: { adapter: from } });
        expect(await codeOf(late.kv('runs').count())).toBe('MOVED');
        expect((await late.stats()).filter((s) => s.domain === 'runs')).toEqual([]);
        await late.close();
        // Migrating back over the tombstone works, and the data comes home.
        const back = await openStore(tmp.dir, { runs: { adapter: to, options: { durability: 'strict' } } });
        await back.migrateDomain('runs', { adapter: from });
        expect(await back.kv('runs').count()).toBe(1000);
        await back.close();
      } finally {
        await tmp.remove();
      }
    });
  }

  it('a failure injected mid-copy leaves the old route in force and the target empty', async () => {
    const tmp = await tempDir();
    try {
      const store = await openStore(tmp.dir, { runs: { adapter: 'sqlite' } });
      await fillKv(store, 'runs', 20_000);
      const failed = store.migrateDomain(
        'runs',
        { adapter: 'level' },
        {
          onProgress: ({ copied }) => {
            if (copied >= 10_000) throw new Error('injected');
          },
        },
      );
      expect(await codeOf(failed)).toBe('IO');
      expect(store.adapterOf('runs')).toBe('sqlite');
      await store.kv('runs').put('after', 1);
      expect(await store.kv('runs').count()).toBe(20_001);
      await store.close();
      const target = await openStore(tmp.dir, { runs: { adapter: 'level' } });
      expect(await target.kv('runs').count()).toBe(0);
      await target.close();
      const old = await openStore(tmp.dir, { runs: { adapter: 'sqlite' } });
      expect(await old.kv('runs').count()).toBe(20_001);
      await old.close();
    } finally {
      await tmp.remove();
    }
  });

  it('a process killed mid-copy leaves the old route in force; a rerun clears the partial target', async () => {
    const tmp = await tempDir();
    try {
      const seed = await openStore(tmp.dir, { runs: { adapter: 'sqlite' } });
      await fillKv(seed, 'runs', 60_000);
      await seed.close();
      const child = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', join(here, 'fixtures/migrate-child.ts'), tmp.dir, 'sqlite', 'lmdb'],
        {
          cwd: join(here, '..'),
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.split('\n').filter((l) => l.startsWith('progress')).length >= 3 && !child.killed) {
            child.kill('SIGKILL');
          }
        });
        child.on('exit', () => resolve());
      });
      expect(out).not.toContain('done');
      // The partial copy is there, marked as such: its incoming marker refuses reads and writes (BUSY).
      const target = await openStore(tmp.dir, { runs: { adapter: 'lmdb' } });
      expect(await codeOf(target.kv('runs').count())).toBe('BUSY');
      expect(await codeOf(target.kv('runs').put('x', 1))).toBe('BUSY');
      await target.close();
      const store = await openStore(tmp.dir, { runs: { adapter: 'sqlite' } });
      expect(await store.kv('runs').count()).toBe(60_000);
      const report = await store.migrateDomain('runs', { adapter: 'lmdb' });
      expect(report.records).toBe(60_001);
      expect(await store.kv('runs').count()).toBe(60_000);
      await store.close();
    } finally {
      await tmp.remove();
    }
  });
});
