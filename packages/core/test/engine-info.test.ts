import { describe, expect, it } from 'vitest';
import { storeAdmin } from '../src/admin/index.js';
import { createStore, memoryAdapter } from '../src/index.js';
import type { Adapter, EngineInfo } from '../src/spi/index.js';

// An adapter that reports its engine build (as the LMDB adapter does), beside one that does not.
const ENGINE: EngineInfo = { build: 'probe engine 1.0, single-process: no compiler', multiProcess: false };
const reporting: Adapter = {
  ...memoryAdapter,
  name: 'reporting',
  async open(ctx) {
    return { ...(await memoryAdapter.open(ctx)), engine: () => ENGINE };
  },
} as Adapter;

describe('AdapterInstance.engine', () => {
  it('store.stats() rows and storeAdmin.checkAdapters() carry the engine build of adapters that report one', async () => {
    const store = await createStore({ adapters: [reporting], domains: { a: { adapter: 'reporting' }, b: { adapter: 'memory' } } });
    await store.kv('a').put('k', 1);
    await store.kv('b').put('k', 1);
    const stats = await store.stats();
    expect(stats.find((s) => s.domain === 'a')).toMatchObject({ adapter: 'reporting', engine: ENGINE.build });
    expect(stats.find((s) => s.domain === 'b')).not.toHaveProperty('engine');
    const checks = await storeAdmin(store).checkAdapters();
    expect(checks.find((c) => c.adapter === 'reporting')?.engine).toEqual(ENGINE);
    expect(checks.find((c) => c.adapter === 'memory')).not.toHaveProperty('engine');
    await store.close();
  });
});
