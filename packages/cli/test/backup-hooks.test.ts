import { join } from 'node:path';
import { storeAdmin } from '@agentstore/core/admin';
import { describe, expect, it } from 'vitest';
import { openStore, tempDir } from './support/stores.js';

describe('adapter backup hooks (in-process writer)', () => {
  for (const adapter of ['sqlite', 'lmdb', 'level'] as const) {
    it(`${adapter}: the copy is one consistent point in time while a writer goes on`, async () => {
      const tmp = await tempDir();
      try {
        const routes = { runs: { adapter }, other: { adapter } };
        const store = await openStore(join(tmp.dir, 'data'), routes);
        const kv = store.kv<number>('runs');
        await store.kv('other').put('x', 'y');
        let stop = false;
        let i = 0;
        const writer = (async () => {
          for (; !stop; i++) {
            await kv.putMany([
              [['w', i], i],
              ['last', i],
            ]);
          }
        })();
        while (i < 300) await new Promise((r) => setTimeout(r, 5));
        const results = await storeAdmin(store).backup(join(tmp.dir, 'backup'));
        await new Promise((r) => setTimeout(r, 20));
        stop = true;
        await writer;
        expect(results.find((r) => r.adapter === adapter)?.supported).toBe(true);
        const written = i;
        await store.close();
        const copy = await openStore(join(tmp.dir, 'backup'), routes);
        const last = (await copy.kv<number>('runs').get('last')) as number;
        expect(last).toBeGreaterThanOrEqual(299);
        expect(last).toBeLessThan(written);
        expect(await copy.kv('runs').count({ prefix: ['w'] })).toBe(last + 1);
        expect(await copy.kv('other').get('x')).toBe('y');
        expect(await storeAdmin(copy).check('runs')).toMatchObject({ faults: [] });
        await copy.close();
      } finally {
        await tmp.remove();
      }
    });
  }
});
