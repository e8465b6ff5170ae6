import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AdapterInstance, type ByteRange, type Bytes, type DomainBackend, isStoreError, StoreError } from '@agentstore/core/spi';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/driver.js';
import { sqliteAdapter, sqliteOptionsSchema } from '../src/index.js';
import { LonePut } from '../src/lone-put.js';
import type { ResolvedSqliteOptions } from '../src/options.js';
import { DEFAULT_FILE } from '../src/paths.js';
import { openConnectionTo } from '../src/registry.js';
import { b, collect, domainOptions, openAdapter, openDomain, plain, readU32, tempDir, u32 } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

let dir: string;
let cleanup: () => void;
let instance: AdapterInstance<ResolvedSqliteOptions>;
let backend: DomainBackend;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  instance = await openAdapter(dir);
  backend = await openDomain(instance);
});

afterEach(async () => {
  await instance.close();
  cleanup();
});

async function putAll(target: DomainBackend, entries: ReadonlyArray<readonly [Bytes, Bytes]>): Promise<void> {
  await target.transact((tx) => {
    for (const [k, v] of entries) tx.put(k, v);
  });
}

const sortKeys = (keys: Bytes[]): Bytes[] => [...keys].sort((x, y) => Buffer.compare(x, y));

/** The entries of `sorted` that `range` selects: the reference model for range queries. */
function model(sorted: Bytes[], range: ByteRange): Bytes[] {
  const selected = sorted.filter(
    (k) =>
      (range.gt === undefined || Buffer.compare(k, range.gt) > 0) &&
      (range.gte === undefined || Buffer.compare(k, range.gte) >= 0) &&
      (range.lt === undefined || Buffer.compare(k, range.lt) < 0) &&
      (range.lte === undefined || Buffer.compare(k, range.lte) <= 0),
  );
  if (range.reverse) selected.reverse();
  return range.limit === undefined ? selected : selected.slice(0, range.limit);
}

describe('adapter object', () => {
  it('declares its name, capabilities and a strict options schema with defaults', () => {
    expect(sqliteAdapter.name).toBe('sqlite');
    expect(sqliteAdapter.capabilities).toEqual({
      multiProcess: true,
      persistent: true,
      guardedWrites: true,
    });
    expect(sqliteOptionsSchema.parse({})).toEqual({ busyTimeoutMs: 30_000, busyRetries: 3 });
    expect(sqliteOptionsSchema.safeParse({ nope: 1 }).success).toBe(false);
    expect(sqliteOptionsSchema.safeParse({ busyTimeoutMs: -1 }).success).toBe(false);
  });

  it('puts domains without `path` in <dataDir>/sqlite/agentstore.db', () => {
    expect(existsSync(join(dir, DEFAULT_FILE))).toBe(true);
  });
});

describe('key order', () => {
  it('orders raw bytes unsigned, a prefix before its extensions, 0x00 and 0xFF included', async () => {
    const keys = [
      b(0xff, 0xff),
      b(0x80),
      b(0),
      b(0xff),
      b(1),
      b(0, 0),
      b(0x7f),
      b(0, 0xff),
      b(0xff, 0),
      b(0, 1),
      b(),
      b(0, 0, 0),
      b(1, 0),
      b(0xfe, 0xff, 0xff),
    ];
    await putAll(
      backend,
      keys.map((k, i) => [k, b(i)] as const),
    );
    const got = await collect(backend.range({}));
    expect(got.map(([k]) => [...k])).toEqual([
      [],
      [0],
      [0, 0],
      [0, 0, 0],
      [0, 1],
      [0, 0xff],
      [1],
      [1, 0],
      [0x7f],
      [0x80],
      [0xfe, 0xff, 0xff],
      [0xff],
      [0xff, 0],
      [0xff, 0xff],
    ]);
    const reversed = await collect(backend.range({ reverse: true }));
    expect(reversed.map(([k]) => [...k])).toEqual(got.map(([k]) => [...k]).reverse());
  });

  it('accepts keys that are views into larger buffers', async () => {
    const big = Uint8Array.of(9, 9, 1, 2, 9);
    await putAll(backend, [[big.subarray(2, 4), big.subarray(0, 1)]]);
    expect([...((await backend.get(b(1, 2))) ?? [])]).toEqual([9]);
    expect(await backend.get(b(1, 2, 9))).toBeUndefined();
  });
});

describe('range, count and reads', () => {
  const keys = [b(), b(0), b(0, 0), b(0, 0xff), b(1), b(1, 0), b(1, 1), b(2), b(0x80), b(0xff), b(0xff, 0xff)];
  const sorted = sortKeys(keys);
  const keyArb = fc.constantFrom(...keys, b(0, 1), b(1, 0, 0), b(0xff, 0xff, 0xff), b(3));
  const rangeArb = fc.record(
    {
      gt: keyArb,
      gte: keyArb,
      lt: keyArb,
      lte: keyArb,
      reverse: fc.boolean(),
      limit: fc.integer({ min: 0, max: 12 }),
    },
    { requiredKeys: [] },
  );

  beforeEach(async () => {
    await putAll(
      backend,
      keys.map((k) => [k, k] as const),
    );
  });

  it('honours gt/gte/lt/lte, reverse and limit like the reference model', async () => {
    await fc.assert(
      fc.asyncProperty(rangeArb, async (range) => {
        const got = await collect(backend.range(range));
        expect(got.map(([k]) => [...k])).toEqual(model(sorted, range).map((k) => [...k]));
        const counted = await backend.count(range);
        expect(counted).toBe(model(sorted, { ...range, reverse: false }).length);
      }),
      { numRuns: 300 },
    );
  });

  it('answers the same inside a transaction with buffered puts and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(rangeArb, fc.array(fc.tuple(keyArb, fc.boolean())), async (range, writes) => {
        const present = new Map(sorted.map((k) => [Buffer.from(k).toString('hex'), k]));
        const got = await backend
          .transact((tx) => {
            for (const [k, put] of writes) {
              if (put) tx.put(k, b(7));
              else tx.del(k);
            }
            const result = tx.range(range);
            throw Object.assign(new Error('discard'), { result });
          })
          .catch((err: { result: Array<[Bytes, Bytes]> }) => err.result);
        for (const [k, put] of writes) {
          if (put) present.set(Buffer.from(k).toString('hex'), k);
          else present.delete(Buffer.from(k).toString('hex'));
        }
        expect(got.map(([k]) => [...k])).toEqual(model(sortKeys([...present.values()]), range).map((k) => [...k]));
      }),
      { numRuns: 200 },
    );
    // Every transaction threw, so nothing it wrote was kept.
    expect((await collect(backend.range({}))).map(([k]) => [...k])).toEqual(sorted.map((k) => [...k]));
  });

  it('gets, getMany and count with limit', async () => {
    expect([...((await backend.get(b(0, 0xff))) ?? [])]).toEqual([0, 0xff]);
    expect(await backend.get(b(0, 0xfe))).toBeUndefined();
    const many = await backend.getMany([b(1), b(9), b()]);
    expect(many.map((v) => (v === undefined ? undefined : [...v]))).toEqual([[1], undefined, []]);
    expect(await backend.count({})).toBe(keys.length);
    expect(await backend.count({ limit: 3 })).toBe(3);
    expect(await backend.count({ gte: b(1), lt: b(2), reverse: true })).toBe(3);
  });
});

describe('paging', () => {
  it('streams a 2,000-row scan in order without holding a statement across awaits', async () => {
    const entries = Array.from({ length: 2000 }, (_, i) => [u32(i * 2), u32(i)] as const);
    await putAll(backend, entries);
    let seen = 0;
    let previous = -1;
    for await (const [k, v] of backend.range({})) {
      const n = readU32(k);
      expect(n).toBeGreaterThan(previous);
      expect(readU32(v)).toBe(n / 2);
      previous = n;
      seen++;
      // A write mid-scan would fail with "connection is busy" if a statement stayed open.
      if (seen % 300 === 0 && seen <= 1500) {
        await backend.transact((tx) => {
          tx.put(u32(1), u32(0)); // behind the scan: never seen
          tx.put(u32(10_000 + seen), u32(5000 + seen / 2)); // ahead of it: seen in a later page
        });
      }
    }
    // (Only up to 1500: a write after the last page was fetched cannot show up.)
    expect(seen).toBe(2000 + 5);
    const tail = await collect(backend.range({ reverse: true, limit: 700, lt: u32(3000) }));
    expect(tail).toHaveLength(700);
    expect(readU32(tail[0]?.[0])).toBe(2998);
    expect(await backend.count({})).toBe(2000 + 6);
    expect(readU32(tail.at(-1)?.[0])).toBeLessThan(readU32(tail[0]?.[0]));
  });

  it('honours a limit that is not a multiple of the page size', async () => {
    await putAll(
      backend,
      Array.from({ length: 600 }, (_, i) => [u32(i), u32(i)] as const),
    );
    const got = await collect(backend.range({ gte: u32(10), limit: 513 }));
    expect(got).toHaveLength(513);
    expect(readU32(got.at(-1)?.[0])).toBe(522);
    expect(await collect(backend.range({ limit: 0 }))).toEqual([]);
  });
});

describe('transact', () => {
  it('sees its own writes and commits them all, or none when fn throws', async () => {
    const result = await backend.transact((tx) => {
      tx.put(b(1), b(1));
      tx.put(b(2), b(2));
      tx.del(b(2));
      return [tx.get(b(1)), tx.get(b(2))];
    });
    expect(result.map((v) => (v ? [...v] : v))).toEqual([[1], undefined]);

    const boom = new Error('boom');
    await expect(
      backend.transact((tx) => {
        tx.put(b(3), b(3));
        tx.del(b(1));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(plain(await collect(backend.range({})))).toEqual([[[1], [1]]]);
  });

  it('refuses a Tx used after its function returned (an async fn), instead of losing the write', async () => {
    let late: (() => void) | undefined;
    await backend.transact((tx) => {
      late = () => tx.put(b(9), b(9));
    });
    expect(() => late?.()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(await backend.get(b(9))).toBeUndefined();
  });

  it('runs concurrent calls as one group where a failing fn fails alone and later fns see earlier writes', async () => {
    const conn = openConnectionTo(join(dir, DEFAULT_FILE));
    const before = conn?.commits ?? 0;
    const calls = Array.from({ length: 100 }, (_, i) =>
      backend.transact((tx) => {
        if (i % 10 === 3) throw new StoreError('CONFLICT', `no ${i}`);
        const n = readU32(tx.get(b(0))) + 1;
        tx.put(b(0), u32(n));
        return n;
      }),
    );
    const results = await Promise.allSettled(calls);
    const fulfilled = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(fulfilled).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    expect(results.filter((r) => r.status === 'rejected' && isStoreError(r.reason, 'CONFLICT'))).toHaveLength(10);
    expect(readU32(await backend.get(b(0)))).toBe(90);
    const commits = (conn?.commits ?? 0) - before;
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(3);
  });

  it('groups strict and balanced domains of one file into one commit', async () => {
    const strict = await openDomain(instance, 'strict_one', {}, 'strict');
    const conn = openConnectionTo(join(dir, DEFAULT_FILE));
    const before = conn?.commits ?? 0;
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => strict.transact((tx) => tx.put(u32(i), b(1)))),
      ...Array.from({ length: 20 }, (_, i) => backend.transact((tx) => tx.put(u32(i), b(2)))),
    ]);
    expect((conn?.commits ?? 0) - before).toBe(1);
    expect(await strict.count({})).toBe(20);
  });
});

describe('lone blind puts (one autocommit statement)', () => {
  const GUARD = Uint8Array.of(0x00, 0x6d, 0x6f, 0x76, 0x65, 0x64);
  const LONE_BLIND = { lone: true, blind: true } as const;
  /** A blind put as core makes it: the guard read first (refusing when held), then the puts. */
  const guarded =
    (...entries: ReadonlyArray<readonly [Bytes, Bytes]>) =>
    (tx: { get(k: Bytes): Bytes | undefined; put(k: Bytes, v: Bytes): void }): string => {
      if (tx.get(GUARD) !== undefined) throw new StoreError('MOVED', 'moved');
      for (const [k, v] of entries) tx.put(k, v);
      return 'done';
    };

  it('writes one or several small puts and returns the result, later puts of a key winning', async () => {
    expect(await backend.transact(guarded([b(1), b(1)]), LONE_BLIND)).toBe('done');
    expect(await backend.transact(guarded([b(1), b(2)], [b(2), b(2)], [b(1), b(3)]), LONE_BLIND)).toBe('done');
    expect(plain(await collect(backend.range({})))).toEqual([
      [[1], [3]],
      [[2], [2]],
    ]);
  });

  it('writes nothing when another connection holds the guard: the transaction refuses with its error', async () => {
    await backend.transact(guarded([b(1), b(1)]), LONE_BLIND);
    const other = openDatabase(join(dir, DEFAULT_FILE), 1000);
    try {
      other.prepare('INSERT INTO "d_test" (k, v) VALUES (?, ?)').run(GUARD, b(9));
    } finally {
      other.close();
    }
    for (const entries of [
      [[b(1), b(7)]],
      [[b(2), b(7)]],
      [
        [b(1), b(7)],
        [b(3), b(7)],
      ],
    ] as Array<Array<[Bytes, Bytes]>>) {
      await expect(backend.transact(guarded(...entries), LONE_BLIND)).rejects.toMatchObject({ code: 'MOVED' });
    }
    expect(plain(await collect(backend.range({ gt: GUARD })))).toEqual([[[1], [1]]]);
  });

  it('runs a function whose checks fail on absent keys in a transaction, where they see the stored value', async () => {
    await backend.transact((tx) => tx.put(b(5), b(5)));
    const result = await backend.transact((tx) => {
      if (tx.get(b(5)) === undefined) throw new Error('needs 5');
      tx.put(b(6), b(6));
      return 'ok';
    }, LONE_BLIND);
    expect(result).toBe('ok');
    expect(await backend.get(b(6))).toEqual(Buffer.from(b(6)));
  });

  it('commits deletes, large values and many puts as before (in a transaction)', async () => {
    const big = new Uint8Array(100 * 1024).fill(4);
    const many = Array.from({ length: 20 }, (_, i) => [u32(i), b(i)] as const);
    await backend.transact(guarded([b(1), big], ...many), LONE_BLIND);
    await backend.transact((tx) => tx.del(u32(3)), LONE_BLIND);
    expect(await backend.get(b(1))).toEqual(Buffer.from(big));
    expect(await backend.count({})).toBe(20);
  });

  it('takes only a few small puts guarded by at most one key they do not write', () => {
    const run = (fn: (tx: LonePut) => void): Bytes | undefined => {
      const probe = new LonePut();
      fn(probe);
      probe.finish();
      return probe.guard();
    };
    expect(run((tx) => guarded([b(1), b(1)])(tx))).toEqual(GUARD);
    expect(run((tx) => tx.put(b(1), b(1)))).toEqual(new Uint8Array(0));
    expect(run((tx) => tx.del(b(1)))).toBeUndefined();
    expect(run(() => undefined)).toBeUndefined();
    expect(run((tx) => guarded([b(1), new Uint8Array(64 * 1024 + 1)])(tx))).toBeUndefined();
    expect(run((tx) => guarded(...Array.from({ length: 9 }, (_, i) => [b(i), b(i)] as const))(tx))).toBeUndefined();
    expect(run((tx) => guarded(...Array.from({ length: 8 }, (_, i) => [b(i), b(i)] as const))(tx))).toEqual(GUARD);
    expect(run((tx) => [tx.get(b(1)), tx.get(b(2)), tx.put(b(3), b(3))])).toBeUndefined();
    expect(run((tx) => [tx.get(b(1)), tx.put(b(1), b(1))])).toBeUndefined();
    // A read of its own write asks nothing of the stored state.
    expect(run((tx) => [tx.put(b(1), b(1)), tx.get(b(1)), tx.get(GUARD)])).toEqual(GUARD);
    const probe = new LonePut();
    probe.finish();
    expect(() => probe.put(b(1), b(1))).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('lets the event loop turn during a loop of awaited lone puts (the turn budget of synchronous commits)', async () => {
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    for (let i = 0; i < 200 && !turned; i++) await backend.transact(guarded([u32(i), b(1)]), LONE_BLIND);
    expect(turned).toBe(true);
  });

  it('goes to the queue when the file stays locked, which commits it once the lock is released', async () => {
    const busy = await openDomain(instance, 'busy', { path: 'busy.db', busyTimeoutMs: 50, busyRetries: 5 });
    const holder = openDatabase(join(dir, 'busy.db'), 0);
    try {
      holder.exec('BEGIN IMMEDIATE');
      setTimeout(() => holder.exec('ROLLBACK'), 80);
      await busy.transact(guarded([b(1), b(1)]), LONE_BLIND);
      await busy.transact(guarded([b(2), b(2)]), LONE_BLIND);
      expect(plain(await collect(busy.range({})))).toEqual([
        [[1], [1]],
        [[2], [2]],
      ]);
    } finally {
      holder.close();
    }
  });
});

describe('busy', () => {
  it('retries a group after the busy timeout and reports BUSY (not SQLITE_BUSY) when the lock stays taken', async () => {
    const busy = await openDomain(instance, 'busy', { path: 'busy.db', busyTimeoutMs: 50, busyRetries: 1 });
    const holder = openDatabase(join(dir, 'busy.db'), 0);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const err = await busy.transact((tx) => tx.put(b(1), b(1))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'BUSY', cause: { code: 'SQLITE_BUSY' } });
      // Released while the group waits to retry: the retry commits.
      setTimeout(() => holder.exec('ROLLBACK'), 5);
      await busy.transact((tx) => tx.put(b(2), b(2)));
      expect(plain(await collect(busy.range({})))).toEqual([[[2], [2]]]);
    } finally {
      holder.close();
    }
  });
});

describe('lifecycle', () => {
  it('keeps data across close and reopen', async () => {
    await putAll(backend, [[b(1), b(2)]]);
    await instance.close();
    instance = await openAdapter(dir);
    backend = await openDomain(instance);
    expect(plain(await collect(backend.range({})))).toEqual([[[1], [2]]]);
  });

  it('shares one connection between stores of a process, ref-counted', async () => {
    const other = await openAdapter(dir);
    const again = await openDomain(other);
    await putAll(backend, [[b(5), b(5)]]);
    expect([...((await again.get(b(5))) ?? [])]).toEqual([5]);
    const conn = openConnectionTo(join(dir, DEFAULT_FILE));
    await other.close();
    expect(openConnectionTo(join(dir, DEFAULT_FILE))).toBe(conn);
    await expect(again.get(b(5))).rejects.toMatchObject({ code: 'CLOSED' });
    expect(await backend.count({})).toBe(1);
    await instance.close();
    expect(openConnectionTo(join(dir, DEFAULT_FILE))).toBeUndefined();
    await expect(backend.transact(() => 1)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(collect(backend.range({}))).rejects.toMatchObject({ code: 'CLOSED' });
    await instance.close();
  });

  it('keeps two domains apart', async () => {
    const other = await openDomain(instance, 'other');
    await putAll(backend, [[b(1), b(1)]]);
    await putAll(other, [
      [b(1), b(2)],
      [b(3), b(3)],
    ]);
    expect(plain(await collect(backend.range({})))).toEqual([[[1], [1]]]);
    expect(await other.count({})).toBe(2);
    await other.clear();
    expect(await other.count({})).toBe(0);
    expect(await backend.count({})).toBe(1);
  });

  it('lists, sizes, drops and syncs domains', async () => {
    const other = await openDomain(instance, 'other_2');
    await putAll(
      other,
      Array.from({ length: 100 }, (_, i) => [u32(i), new Uint8Array(100)] as const),
    );
    expect(await instance.listDomains()).toEqual(['other_2', 'test']);
    expect(await other.sizeBytes?.()).toBeGreaterThan(10_000);
    await instance.sync();
    await instance.dropDomain('other_2', domainOptions());
    expect(await instance.listDomains()).toEqual(['test']);
    // A backend opened before the drop finds an empty domain, not an error.
    expect(await other.count({})).toBe(0);
    await putAll(other, [[b(1), b(1)]]);
    expect(await other.count({})).toBe(1);
  });

  it('reports a file that is not a database as CORRUPT', async () => {
    writeFileSync(join(dir, 'junk.db'), Buffer.alloc(8192, 7));
    await expect(openDomain(instance, 'x', { path: 'junk.db' })).rejects.toMatchObject({ code: 'CORRUPT' });
  });
});

describe('boundary checks', () => {
  it('never lets a hostile domain name reach SQL', async () => {
    await putAll(backend, [[b(1), b(1)]]);
    const hostile = ['test"; DROP TABLE "d_test', 'x; DROP TABLE d_test; --', 'Test', '1abc', '', 'a b', 'a'.repeat(49), 'é'];
    for (const name of hostile) {
      await expect(instance.domain(name, domainOptions())).rejects.toMatchObject({ code: 'INVALID_DOMAIN' });
      await expect(instance.dropDomain(name, domainOptions())).rejects.toMatchObject({ code: 'INVALID_DOMAIN' });
    }
    expect(await backend.count({})).toBe(1);
    expect(await instance.listDomains()).toEqual(['test']);
  });

  it('accepts relative paths inside dataDir and rejects the rest with INVALID_OPTIONS', async () => {
    const custom = await openDomain(instance, 'custom', { path: 'custom/my.db' });
    await putAll(custom, [[b(1), b(1)]]);
    expect(existsSync(join(dir, 'custom', 'my.db'))).toBe(true);
    expect(await instance.listDomains()).toEqual(['custom', 'test']);
    for (const path of ['/etc/passwd', '../escape.db', 'a/../../escape.db', 'sub/../x.db', '', 'nul\0.db', 'C:\\x.db']) {
      const err = await instance.domain('custom', domainOptions({ path })).catch((e: unknown) => e);
      expect(isStoreError(err, 'INVALID_OPTIONS'), path).toBe(true);
      expect(sqliteOptionsSchema.safeParse({ path }).success, path).toBe(false);
    }
  });
});

/** Spawns a fixture under tsx with the `source` condition, as the package's own sources. */
function spawnFixture(name: string, args: string[]) {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', name), ...args], {
    cwd: join(here, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('several processes', () => {
  it('4 processes × 2,500 read-increment-write transactions on one key give exactly 10,000', async () => {
    // A fresh dataDir: the four children also race to create the file, switch it to WAL and set it up.
    const fresh = join(dir, 'fresh');
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ failures: number }>((resolve, reject) => {
          const proc = spawnFixture('increment.mjs', [fresh, '2500']);
          let out = '';
          let err = '';
          proc.stdout.on('data', (d: Buffer) => {
            out += d.toString();
          });
          proc.stderr.on('data', (d: Buffer) => {
            err += d.toString();
          });
          proc.on('error', reject);
          proc.on('close', (code) => {
            if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
            else resolve(JSON.parse(out) as { failures: number });
          });
        }),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.failures)).toEqual([0, 0, 0, 0]);
    const other = await openAdapter(fresh);
    const counters = await openDomain(other, 'counters');
    expect(readU32(await counters.get(Uint8Array.of(1)))).toBe(10_000);
    await other.close();
  }, 120_000);

  it('keeps every acknowledged balanced write when the writer is killed with SIGKILL', async () => {
    const proc = spawnFixture('ack-writer.mjs', [dir, 'balanced']);
    let acked = -1;
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        pending += d.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const last = lines.at(-1);
        if (last !== undefined) acked = Number(last);
        if (acked >= 500) proc.kill('SIGKILL');
      });
      proc.on('error', reject);
      proc.on('close', () => resolve());
    });
    expect(acked).toBeGreaterThanOrEqual(500);
    const acks = await openDomain(instance, 'acks');
    expect(await acks.get(u32(acked))).toBeDefined();
    expect(await acks.count({ lte: u32(acked) })).toBe(acked + 1);
  }, 60_000);
});
