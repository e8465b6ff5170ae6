import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { storeAdmin } from '../src/admin/index.js';
import { createStore, isStoreError, memoryAdapter, type Store } from '../src/index.js';
import { encodeIncoming, encodeTombstone, MOVED_KEY } from '../src/runtime/migration-guard.js';
import type { Adapter, DomainBackend } from '../src/spi/index.js';

// A second in-memory adapter, so that a migration has somewhere else to go without any native engine.
const otherMemory: Adapter = { ...memoryAdapter, name: 'memtwo' } as Adapter;

async function open(): Promise<Store> {
  return createStore({ adapters: [otherMemory], default: { adapter: 'memory' } });
}

async function fill(store: Store, domain: string, n: number): Promise<void> {
  const kv = store.kv(domain);
  for (let i = 0; i < n; i += 500) {
    await kv.putMany(Array.from({ length: Math.min(500, n - i) }, (_, j) => [['k', i + j], { i: i + j, at: new Date(i + j) }] as const));
  }
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return isStoreError(err) ? err.code : String(err);
  }
}

describe('migrateDomain', () => {
  it('copies a kv domain, verifies it and switches the route', async () => {
    const store = await open();
    await fill(store, 'runs', 5000);
    await store.kv('runs').updateCounter('tokens', 42);
    const progress: number[] = [];
    const report = await store.migrateDomain('runs', { adapter: 'memtwo' }, { onProgress: (p) => progress.push(p.copied) });
    expect(report.records).toBe(5002); // 5000 values, a counter, the kind record
    expect(report.from.adapter).toBe('memory');
    expect(report.to.adapter).toBe('memtwo');
    expect(report.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toBe(5002);
    expect(store.adapterOf('runs')).toBe('memtwo');
    expect(await store.kv('runs').count()).toBe(5001);
    expect(await store.kv('runs').get(['k', 7])).toEqual({ i: 7, at: new Date(7) });
    expect(await store.kv('runs').get('tokens')).toBe(42);
    // The old location: only the tombstone is left, and using it through the old route is MOVED.
    await store.configureDomain('runs', { adapter: 'memory' });
    expect(await code(store.kv('runs').get('tokens'))).toBe('MOVED');
    expect(await code(store.kv('runs').put('x', 1))).toBe('MOVED');
    expect(await code(store.dropDomain('runs'))).toBe('MOVED');
    const listing = await storeAdmin(store).domains();
    expect(listing.find((l) => l.adapter === 'memory' && l.domain === 'runs')?.movedTo?.adapter).toBe('memtwo');
    await store.close();
  });

  it('lets no write of this process get lost while the domain moves', async () => {
    const store = await open();
    await fill(store, 'runs', 20_000);
    const kv = store.kv<number>('runs');
    let stop = false;
    let written = 0;
    const writer = (async () => {
      while (!stop) {
        await kv.put(['w', written], written);
        written++;
        if (written % 50 === 0) await kv.updateCounter('writes', 50);
        if (written % 10 === 0) await new Promise((r) => setImmediate(r)); // the memory backend never yields to timers
      }
    })();
    await new Promise((r) => setTimeout(r, 5));
    // Reads of this process go on throughout the migration (in microtask turns, as its steps on the
    // memory backend run): while the source is frozen they wait, and they never get MOVED.
    const readErrors: string[] = [];
    let reads = 0;
    let migrating = true;
    const migration = store.migrateDomain('runs', { adapter: 'memtwo' }).finally(() => {
      migrating = false;
    });
    const reader = (async () => {
      while (migrating) {
        try {
          const got = await kv.get(['k', reads % 20_000]);
          if (got === undefined) readErrors.push(`missing ['k', ${reads % 20_000}]`);
          await kv.count({ prefix: ['w'] });
        } catch (err) {
          readErrors.push(isStoreError(err) ? err.code : String(err));
        }
        reads++;
      }
    })();
    await migration;
    await reader;
    await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await writer;
    expect(readErrors.slice(0, 5)).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(0);
    expect(await kv.count({ prefix: ['w'] })).toBe(written);
    expect((await kv.get('writes')) ?? 0).toBe(Math.floor(written / 50) * 50);
    expect(store.adapterOf('runs')).toBe('memtwo');
    await store.close();
  });

  it('keeps the old route in force when the copy fails, and discards the target', async () => {
    const store = await open();
    await fill(store, 'runs', 3000);
    const failing = store.migrateDomain(
      'runs',
      { adapter: 'memtwo' },
      {
        onProgress: ({ copied }) => {
          if (copied >= 2000) throw new Error('injected failure');
        },
      },
    );
    expect(await code(failing)).toBe('IO');
    expect(store.adapterOf('runs')).toBe('memory');
    await store.kv('runs').put('after', 1); // writes resume on the old route
    expect(await store.kv('runs').count()).toBe(3001);
    await store.configureDomain('runs', { adapter: 'memtwo' });
    expect(await store.kv('runs').count()).toBe(0);
    await store.resetDomain('runs');
    // A second attempt succeeds over the discarded target.
    const report = await store.migrateDomain('runs', { adapter: 'memtwo' });
    expect(report.records).toBe(3002);
    await store.close();
  });

  it('refuses a target that holds data of its own, and the same storage', async () => {
    const store = await open();
    await fill(store, 'runs', 10);
    await store.configureDomain('runs', { adapter: 'memtwo' });
    await store.kv('runs').put('mine', 1);
    await store.resetDomain('runs');
    expect(await code(store.migrateDomain('runs', { adapter: 'memtwo' }))).toBe('CONFLICT');
    expect(await code(store.migrateDomain('runs', { adapter: 'memory' }))).toBe('INVALID_OPTIONS');
    expect(await code(store.migrateDomain('runs', { adapter: 'nope' }))).toBe('INVALID_ADAPTER');
    expect(await store.kv('runs').count()).toBe(10);
    await store.close();
  });

  it('moves checkpoints (any kind: raw entries) with seq and ids intact', async () => {
    const store = await open();
    const cp = store.checkpoints('cps');
    for (let i = 0; i < 50; i++) await cp.save(`t${i % 5}`, { data: Uint8Array.of(i), metadata: { i } });
    const before = await cp.list('t3');
    await store.migrateDomain('cps', { adapter: 'memtwo' });
    expect(await cp.list('t3')).toEqual(before);
    expect((await cp.loadLatest('t3'))?.data).toEqual(Uint8Array.of(48));
    const next = await cp.save('t3', { data: Uint8Array.of(99) });
    expect(next.seq).toBe(11);
    expect(await cp.traces()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(await code(store.kv('cps').get('x'))).toBe('WRONG_KIND');
    await store.close();
  });

  it('migrates buffered counters without losing pending increments', async () => {
    const store = await createStore({ adapters: [otherMemory], domains: { c: { adapter: 'memory', options: { counters: 'buffered' } } } });
    const kv = store.kv('c');
    for (let i = 0; i < 100; i++) await kv.updateCounter('n', 1);
    const done = store.migrateDomain('c', { adapter: 'memtwo', options: { counters: 'buffered' } });
    for (let i = 0; i < 100; i++) await kv.updateCounter('n', 1);
    await done;
    await store.sync();
    expect(await kv.get('n')).toBe(200);
    await store.close();
  });
});

/** A memory adapter under another name whose opened backends the test can reach (and break). */
function spyMemory(name: string, overrides: Partial<Adapter['capabilities']> = {}) {
  const backends = new Map<string, DomainBackend>();
  const faults = { rangeFails: false };
  const adapter: Adapter = {
    ...memoryAdapter,
    name,
    capabilities: { ...memoryAdapter.capabilities, ...overrides },
    async open(ctx) {
      const inner = await memoryAdapter.open(ctx);
      return {
        ...inner,
        async domain(domain, options) {
          const backend = await inner.domain(domain, options as never);
          const spied: DomainBackend = {
            get: (key) => backend.get(key),
            getMany: (keys) => backend.getMany(keys),
            range: (range) => {
              if (faults.rangeFails) throw new Error('injected range failure');
              return backend.range(range);
            },
            count: (range) => backend.count(range),
            transact: (fn) => backend.transact(fn),
            clear: (guard) => backend.clear(guard),
          };
          backends.set(domain, spied);
          return spied;
        },
      };
    },
  } as Adapter;
  return { adapter, backends, faults };
}

describe('migrateDomain after its commit point', () => {
  it('withdraws the tombstone and discards the target when the re-sync fails', async () => {
    const target = spyMemory('memspy');
    const store = await createStore({ adapters: [target.adapter], default: { adapter: 'memory' } });
    await fill(store, 'runs', 100);
    target.faults.rangeFails = true; // the copy never reads the target's ranges; the re-sync does
    expect(await code(store.migrateDomain('runs', { adapter: 'memspy' }))).toBe('IO');
    target.faults.rangeFails = false;
    expect(store.adapterOf('runs')).toBe('memory');
    await store.kv('runs').put('after', 1); // the source takes writes again: no tombstone left
    expect(await store.kv('runs').count()).toBe(101);
    expect(await target.backends.get('runs')?.count({})).toBe(0);
    const report = await store.migrateDomain('runs', { adapter: 'memspy' });
    expect(report.resumed).toBe(false);
    expect(await store.kv('runs').count()).toBe(101);
    await store.close();
  });

  it('resumes a migration whose process died after committing its tombstone', async () => {
    const source = spyMemory('memsrc');
    const target = spyMemory('memdst');
    const store = await createStore({ adapters: [source.adapter, target.adapter], default: { adapter: 'memsrc' } });
    await fill(store, 'runs', 50);
    const src = source.backends.get('runs') as DomainBackend;
    await store.configureDomain('runs', { adapter: 'memdst' });
    expect(await store.kv('runs').count()).toBe(0); // opens the (empty) target
    await store.resetDomain('runs');
    const dst = target.backends.get('runs') as DomainBackend;
    // What a process killed between its tombstone and its switch leaves: a tombstone naming memdst in
    // the source, and in the target part of the copy under an incoming marker of the same migration
    // whose pid is dead.
    const options = store.domainConfig('runs').options;
    const partial: Array<[Uint8Array, Uint8Array]> = [];
    for await (const [k, v] of src.range({ limit: 20 })) partial.push([new Uint8Array(k), new Uint8Array(v)]);
    const owner = { id: 'mig-1', pid: await deadPid(), host: hostname() };
    await dst.transact((tx) => {
      tx.put(MOVED_KEY, encodeIncoming({ adapter: 'memsrc', options } as never, owner));
      for (const [k, v] of partial) tx.put(k, v);
    });
    await src.transact((tx) => tx.put(MOVED_KEY, encodeTombstone({ adapter: 'memdst', options } as never, 'mig-1')));
    expect(await code(store.kv('runs').put('x', 1))).toBe('MOVED'); // the source is frozen
    await store.configureDomain('runs', { adapter: 'memdst' });
    expect(await code(store.kv('runs').get(['k', 1]))).toBe('BUSY'); // the target is not open yet
    await store.resetDomain('runs');
    // Another target than the tombstone's is refused: the domain has moved.
    expect(await code(store.migrateDomain('runs', { adapter: 'memory' }))).toBe('MOVED');
    const report = await store.migrateDomain('runs', { adapter: 'memdst' });
    expect(report.resumed).toBe(true);
    expect(report.resynced).toBe(31); // the 30 entries the dead process had not copied, and the kind record
    expect(report.verification.target).toBe(report.verification.source);
    expect(store.adapterOf('runs')).toBe('memdst');
    expect(await store.kv('runs').count()).toBe(50);
    expect(await store.kv('runs').get(['k', 49])).toEqual({ i: 49, at: new Date(49) });
    await store.kv('runs').put('after', 1);
    await store.close();
  });

  it('refuses to migrate away from an adapter that cannot guard its native writes', async () => {
    const unguarded = spyMemory('memold', { guardedWrites: false });
    const store = await createStore({ adapters: [unguarded.adapter, otherMemory], default: { adapter: 'memold' } });
    await fill(store, 'runs', 10);
    expect(await code(store.migrateDomain('runs', { adapter: 'memtwo' }))).toBe('UNSUPPORTED');
    expect(await store.kv('runs').count()).toBe(10);
    await store.close();
  });
});

/** A pid no process has: one of a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}
