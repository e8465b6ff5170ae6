import { createStore, memoryAdapter } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

const COMMON_DEFAULTS = {
  durability: 'balanced',
  counters: 'durable',
  counterFlushMs: 1000,
  maxValueBytes: 64 * 1024 * 1024,
} as const;

const INVALID_DOMAINS = ['A', '1a', '', 'a-b', '../x', 'a'.repeat(49), '__proto__', "x'; DROP TABLE", 'a b', 'é'];

/** SPEC §2: routing, config validation, domain names, close. */
export function routingSpec(h: Harness): void {
  describe('routing', () => {
    it('domainConfig fills the common defaults and the adapter defaults', async () => {
      const store = await h.open();
      const cfg = store.domainConfig('anything');
      expect(cfg.adapter).toBe(h.target.adapter.name);
      const expected: Record<string, unknown> = { ...COMMON_DEFAULTS };
      const own: Record<string, unknown> = { ...(h.target.options ?? {}) };
      for (const k of Object.keys(COMMON_DEFAULTS)) {
        if (k in own) expected[k] = own[k];
        delete own[k];
      }
      const parsed = h.target.adapter.optionsSchema.safeParse(own);
      expect(parsed.success, 'the adapter schema accepts the target options').toBe(true);
      if (parsed.success) Object.assign(expected, parsed.data as Record<string, unknown>);
      expect(cfg.options).toMatchObject(expected);
    });

    it('domainConfig reflects per-domain options and adapterOf names the adapter', async () => {
      const store = await h.open({ domains: { tuned: { durability: 'strict', maxValueBytes: 4096 } } });
      expect(store.domainConfig('tuned').options).toMatchObject({ durability: 'strict', maxValueBytes: 4096, counters: 'durable' });
      expect(store.adapterOf('tuned')).toBe(h.target.adapter.name);
      expect(store.adapterOf('other')).toBe(h.target.adapter.name);
    });

    it('configureDomain to an unknown adapter rejects INVALID_ADAPTER and changes nothing', async () => {
      const store = await h.open();
      await expectCode(store.configureDomain('d', { adapter: 'no_such_adapter' }), 'INVALID_ADAPTER');
      expect(store.adapterOf('d')).toBe(h.target.adapter.name);
    });

    it('createStore rejects an unknown adapter in its routes with INVALID_ADAPTER', async () => {
      await expectCode(
        createStore({ dataDir: h.dataDir(), adapters: [h.target.adapter], domains: { d: { adapter: 'no_such_adapter' } } }),
        'INVALID_ADAPTER',
      );
    });

    it('rejects unknown option keys and wrong types with INVALID_OPTIONS carrying issues', async () => {
      const store = await h.open();
      const bad: Array<Record<string, unknown>> = [
        { noSuchOption: 1 },
        { durability: 'sometimes' },
        { counters: 'maybe' },
        { counterFlushMs: 'soon' },
        { maxValueBytes: -5 },
        { maxValueBytes: 'big' },
      ];
      for (const options of bad) {
        const err = await expectCode(store.configureDomain('d', h.route(options)), 'INVALID_OPTIONS');
        expect(Array.isArray(err.issues), `issues for ${JSON.stringify(options)}`).toBe(true);
        expect(err.issues?.length ?? 0).toBeGreaterThan(0);
      }
      expect(store.domainConfig('d').options).toMatchObject(COMMON_DEFAULTS);
    });

    it('createStore rejects bad domain options with INVALID_OPTIONS', async () => {
      await expectCode(
        createStore({
          dataDir: h.dataDir(),
          adapters: [h.target.adapter],
          domains: { d: h.route({ noSuchOption: true }) },
        }),
        'INVALID_OPTIONS',
      );
    });

    it('configureDomain switches the route, resetDomain and clearConfig restore it', async () => {
      const store = await h.open({ domains: { fixed: { maxValueBytes: 2048 } } });
      await store.configureDomain('fixed', h.route({ maxValueBytes: 999 }));
      await store.configureDomain('loose', { adapter: 'memory', options: { maxValueBytes: 777 } });
      expect(store.domainConfig('fixed').options.maxValueBytes).toBe(999);
      expect(store.adapterOf('loose')).toBe('memory');
      await store.resetDomain('fixed');
      expect(store.domainConfig('fixed').options.maxValueBytes).toBe(2048);
      expect(store.adapterOf('loose')).toBe('memory');
      await store.configureDomain('fixed', h.route({ maxValueBytes: 999 }));
      await store.clearConfig();
      expect(store.domainConfig('fixed').options.maxValueBytes).toBe(2048);
      expect(store.adapterOf('loose')).toBe(h.target.adapter.name);
      expect(store.domainConfig('loose').options.maxValueBytes).toBe(COMMON_DEFAULTS.maxValueBytes);
    });

    it('a handle taken before configureDomain follows the new route', async () => {
      const store = await h.open();
      const kv = store.kv<string>('follow');
      const big = 'x'.repeat(4000);
      await kv.put('k', 'small');
      expect(await kv.get('k')).toBe('small');
      await store.configureDomain('follow', { adapter: memoryAdapter.name, options: { maxValueBytes: 1000 } });
      expect(store.adapterOf('follow')).toBe('memory');
      await expectCode(kv.put('big', big), 'VALUE_TOO_LARGE');
      // Reads follow too (a handle may keep the domain it resolved only while no route changes).
      await kv.put('m', 'on the new route');
      expect(await kv.get('m')).toBe('on the new route');
      await store.resetDomain('follow');
      await kv.put('big', big);
      expect(await kv.get('big')).toBe(big);
      expect(await kv.get('k')).toBe('small');
    });

    it('invalid domain names reject INVALID_DOMAIN from handle methods and configureDomain', async () => {
      const store = await h.open();
      for (const name of INVALID_DOMAINS) {
        const kv = store.kv(name); // the accessor itself must not throw
        const cp = store.checkpoints(name);
        await expectCode(kv.get('a'), 'INVALID_DOMAIN');
        await expectCode(kv.put('a', 1), 'INVALID_DOMAIN');
        await expectCode(cp.list('t'), 'INVALID_DOMAIN');
        await expectCode(cp.save('t', { data: new Uint8Array([1]) }), 'INVALID_DOMAIN');
        await expectCode(store.configureDomain(name, h.route()), 'INVALID_DOMAIN');
        await expectCode(store.dropDomain(name), 'INVALID_DOMAIN');
      }
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('accepts the edges of the domain name pattern', async () => {
      const store = await h.open();
      for (const name of ['a', 'a'.repeat(48), 'z9_', 'run_state_2']) {
        const kv = store.kv<number>(name);
        await kv.put('k', 1);
        expect(await kv.get('k')).toBe(1);
      }
    });

    it('close is idempotent and every later call rejects CLOSED', async () => {
      const store = await h.open();
      const kv = store.kv<number>('d');
      const cp = store.checkpoints('cps');
      await kv.put('k', 1);
      await store.close();
      await store.close();
      await expectCode(kv.get('k'), 'CLOSED');
      await expectCode(kv.put('k', 2), 'CLOSED');
      await expectCode(kv.updateCounter('c', 1), 'CLOSED');
      await expectCode(kv.count(), 'CLOSED');
      // A rejection, not a throw: evaluated as an argument, a synchronous throw would fail the test here.
      await expectCode(
        kv.read((r) => r.get('k')),
        'CLOSED',
      );
      await expectCode(async () => {
        for await (const _ of kv.entries()) {
          // nothing
        }
      }, 'CLOSED');
      await expectCode(store.kv('fresh').get('k'), 'CLOSED');
      await expectCode(cp.save('t', { data: new Uint8Array([1]) }), 'CLOSED');
      await expectCode(cp.loadLatest('t'), 'CLOSED');
      await expectCode(store.configureDomain('d', h.route()), 'CLOSED');
      await expectCode(store.dropDomain('d'), 'CLOSED');
      await expectCode(store.sync(), 'CLOSED');
      await expectCode(store.stats(), 'CLOSED');
    });
  });
}
