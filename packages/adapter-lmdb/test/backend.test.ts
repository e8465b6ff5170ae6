import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AdapterInstance, type DomainBackend, isStoreError } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lmdbAdapter, lmdbOptionsSchema } from '../src/index.js';
import type { LmdbResolvedOptions } from '../src/options.js';
import { b, backend, collect, domainOptions, hex, openAdapter, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let instance: AdapterInstance<LmdbResolvedOptions>;
let db: DomainBackend;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  instance = await openAdapter(dir);
  db = await backend(instance, 'things');
});

afterEach(async () => {
  await instance.close();
  cleanup();
});

const keysOf = async (range = {}) => (await collect(db.range(range))).map(([k]) => hex(k));
const putAll = (keys: Uint8Array[]) =>
  db.transact((tx) => {
    keys.forEach((k, i) => {
      tx.put(k, b(i));
    });
  });

describe('byte order', () => {
  it('orders raw byte keys bytewise, a prefix before its extensions', async () => {
    const keys = [b(0x02), b(0x01, 0xff), b(0xff), b(0x01), b(0x00), b(0x01, 0x00), b(0x80), b(0x7f), b(0xff, 0xff)];
    await putAll(keys);
    expect(await keysOf()).toEqual(['00', '01', '0100', '01ff', '02', '7f', '80', 'ff', 'ffff']);
    expect(await keysOf({ reverse: true })).toEqual(['ffff', 'ff', '80', '7f', '02', '01ff', '0100', '01', '00']);
  });

  it('round-trips keys and values byte for byte, including empty values', async () => {
    await db.transact((tx) => {
      tx.put(b(1, 2, 3), b());
      tx.put(b(0), b(0, 0, 255));
    });
    expect(hex((await db.get(b(1, 2, 3))) as Uint8Array)).toBe('');
    expect(hex((await db.get(b(0))) as Uint8Array)).toBe('0000ff');
    expect(await db.get(b(9))).toBeUndefined();
    expect((await db.getMany([b(0), b(9), b(1, 2, 3)])).map((v) => v && hex(v))).toEqual(['0000ff', undefined, '']);
  });
});

describe('ranges', () => {
  beforeEach(async () => {
    await putAll([b(1), b(2), b(2, 0), b(3), b(4), b(5)]);
  });

  it('honours gt/gte/lt/lte', async () => {
    expect(await keysOf({ gte: b(2), lt: b(4) })).toEqual(['02', '0200', '03']);
    expect(await keysOf({ gt: b(2), lte: b(4) })).toEqual(['0200', '03', '04']);
    expect(await keysOf({ gt: b(2, 0) })).toEqual(['03', '04', '05']);
    expect(await keysOf({ lt: b(2, 0) })).toEqual(['01', '02']);
    expect(await keysOf({ gte: b(6) })).toEqual([]);
    expect(await keysOf({ gt: b(4), lt: b(2) })).toEqual([]);
    expect(await keysOf({ gt: b(3), lt: b(3) })).toEqual([]);
    expect(await keysOf({ gte: b(3), lte: b(3) })).toEqual(['03']);
  });

  it('honours reverse with each kind of bound and limit', async () => {
    expect(await keysOf({ gte: b(2), lt: b(4), reverse: true })).toEqual(['03', '0200', '02']);
    expect(await keysOf({ gt: b(2), lte: b(4), reverse: true })).toEqual(['04', '03', '0200']);
    expect(await keysOf({ lte: b(2, 0), reverse: true })).toEqual(['0200', '02', '01']);
    expect(await keysOf({ reverse: true, limit: 2 })).toEqual(['05', '04']);
    expect(await keysOf({ gt: b(1), limit: 2 })).toEqual(['02', '0200']);
    expect(await keysOf({ limit: 0 })).toEqual([]);
  });

  it('counts within bounds, honouring limit and ignoring reverse', async () => {
    expect(await db.count({})).toBe(6);
    expect(await db.count({ gte: b(2), lt: b(4) })).toBe(3);
    expect(await db.count({ gt: b(2), lte: b(4), reverse: true })).toBe(3);
    expect(await db.count({ limit: 4 })).toBe(4);
    expect(await db.count({ gt: b(5) })).toBe(0);
  });

  it('streams long ranges in order across pages', async () => {
    await db.clear();
    const keys = Array.from({ length: 700 }, (_, i) => b(i >> 8, i & 0xff));
    await putAll(keys);
    const forward = await keysOf({});
    expect(forward).toHaveLength(700);
    expect(forward).toEqual(keys.map(hex));
    expect(await keysOf({ reverse: true, limit: 300 })).toEqual(keys.map(hex).reverse().slice(0, 300));
    expect(await keysOf({ gte: b(1, 0), limit: 260 })).toEqual(keys.map(hex).slice(256, 516));
  });
});

describe('transact', () => {
  it('reads its own writes and deletes, ranges included', async () => {
    await putAll([b(1), b(2), b(3)]);
    const seen = await db.transact((tx) => {
      tx.put(b(2, 5), b(9));
      tx.del(b(1));
      tx.put(b(3), b(7));
      return {
        one: tx.get(b(1)),
        three: hex(tx.get(b(3)) as Uint8Array),
        all: tx.range({}).map(([k]) => hex(k)),
        firstTwo: tx.range({ limit: 2 }).map(([k]) => hex(k)),
        lastTwo: tx.range({ reverse: true, limit: 2 }).map(([k]) => hex(k)),
      };
    });
    expect(seen).toEqual({
      one: undefined,
      three: '07',
      all: ['02', '0205', '03'],
      firstTwo: ['02', '0205'],
      lastTwo: ['03', '0205'],
    });
    expect(await keysOf()).toEqual(['02', '0205', '03']);
  });

  it('writes nothing when the function throws, and only that caller fails', async () => {
    const boom = new Error('boom');
    const results = await Promise.allSettled([
      db.transact((tx) => tx.put(b(1), b(1))),
      db.transact((tx) => {
        tx.put(b(2), b(2));
        tx.put(b(3), b(3));
        throw boom;
      }),
      db.transact((tx) => tx.put(b(4), b(4))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
    expect(await keysOf()).toEqual(['01', '04']);
  });

  it('groups 100 concurrent read-modify-write transactions, each seeing the ones before it', async () => {
    const counter = b(0xc0);
    const bump = () =>
      db.transact((tx) => {
        const now = tx.get(counter);
        const next = (now ? Buffer.from(now).readUInt32BE(0) : 0) + 1;
        const out = Buffer.alloc(4);
        out.writeUInt32BE(next);
        tx.put(counter, out);
        tx.put(b(0xd0, next), b(next));
        return next;
      });
    const results = await Promise.all(Array.from({ length: 100 }, bump));
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(Buffer.from((await db.get(counter)) as Uint8Array).readUInt32BE(0)).toBe(100);
    expect(await db.count({ gte: b(0xd0), lt: b(0xd1) })).toBe(100);
  });

  it('commits strict and fast domains alike, strict ones after a sync', async () => {
    const strict = await backend(instance, 'strict_one', { durability: 'strict' });
    const fast = await backend(instance, 'fast_one', { durability: 'fast', commitDelayMs: 5 });
    await Promise.all([
      strict.transact((tx) => tx.put(b(1), b(1))),
      fast.transact((tx) => tx.put(b(2), b(2))),
      db.transact((tx) => tx.put(b(3), b(3))),
    ]);
    expect(await strict.count({})).toBe(1);
    expect(await fast.count({})).toBe(1);
    await instance.sync();
  });

  it('clears a domain', async () => {
    await putAll([b(1), b(2)]);
    await db.clear();
    expect(await db.count({})).toBe(0);
    await db.transact((tx) => tx.put(b(5), b(5)));
    expect(await keysOf()).toEqual(['05']);
  });
});

describe('domains and persistence', () => {
  it('keeps data across close and reopen', async () => {
    await putAll([b(1), b(2)]);
    await instance.close();
    instance = await openAdapter(dir);
    db = await backend(instance, 'things');
    expect(await keysOf()).toEqual(['01', '02']);
    expect(existsSync(join(dir, 'lmdb', 'data.mdb'))).toBe(true);
  });

  it('isolates domains, lists and drops them', async () => {
    const other = await backend(instance, 'other');
    await db.transact((tx) => tx.put(b(1), b(1)));
    await other.transact((tx) => tx.put(b(1), b(2)));
    expect(hex((await db.get(b(1))) as Uint8Array)).toBe('01');
    expect(hex((await other.get(b(1))) as Uint8Array)).toBe('02');
    expect(await instance.listDomains()).toEqual(['other', 'things']);
    await instance.dropDomain('other', domainOptions());
    expect(await instance.listDomains()).toEqual(['things']);
    const again = await backend(instance, 'other');
    expect(await again.count({})).toBe(0);
    expect(await db.count({})).toBe(1);
  });

  it('shares one environment between two stores of the process, ref-counted', async () => {
    const second = await openAdapter(dir);
    const twin = await backend(second, 'things');
    await db.transact((tx) => tx.put(b(7), b(7)));
    expect(hex((await twin.get(b(7))) as Uint8Array)).toBe('07');
    await second.close();
    expect(hex((await db.get(b(7))) as Uint8Array)).toBe('07');
    await expect(twin.get(b(7))).rejects.toSatisfy((e) => isStoreError(e, 'CLOSED'));
  });

  it('reports a size for a domain', async () => {
    await putAll([b(1), b(2)]);
    expect(await db.sizeBytes?.()).toBeGreaterThan(0);
  });

  it('grows the map past its initial size', async () => {
    const big = await backend(instance, 'big', { path: 'small-map', mapSizeMb: 1 });
    const value = new Uint8Array(512 * 1024).fill(7);
    for (let i = 0; i < 8; i++) await big.transact((tx) => tx.put(b(i), value));
    expect(await big.count({})).toBe(8);
  });
});

describe('path option', () => {
  it('rejects absolute paths and escapes from dataDir', () => {
    for (const path of ['/tmp/x', '../x', 'a/../../x', '..', '.', '']) {
      expect(lmdbOptionsSchema.safeParse({ path }).success, path).toBe(false);
    }
    expect(lmdbOptionsSchema.safeParse({ path: 'sub/env' }).success).toBe(true);
    expect(lmdbOptionsSchema.safeParse({ nope: 1 }).success).toBe(false);
  });

  it('refuses an escaping path at open with INVALID_OPTIONS', async () => {
    const options = { ...domainOptions(), path: '../escape' };
    await expect(instance.domain('x', options)).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_OPTIONS'));
  });

  it('puts a domain with a path in its own environment inside dataDir', async () => {
    const elsewhere = await backend(instance, 'things', { path: 'sub/env' });
    await elsewhere.transact((tx) => tx.put(b(1), b(1)));
    expect(existsSync(join(dir, 'sub', 'env', 'data.mdb'))).toBe(true);
    const dotted = await backend(instance, 'things', { path: 'env.v1' });
    await dotted.transact((tx) => tx.put(b(1), b(1)));
    expect(existsSync(join(dir, 'env.v1', 'data.mdb'))).toBe(true);
    expect(await db.count({})).toBe(0);
  });

  it('declares its capabilities', () => {
    expect(lmdbAdapter.capabilities).toEqual({
      multiProcess: true,
      persistent: true,
      guardedWrites: true,
    });
  });
});

describe('reads and write-only transactions', () => {
  it('returns values that stay intact across later reads, of any size', async () => {
    const small = new Uint8Array(300).fill(1);
    const big = new Uint8Array(17 * 1024 * 1024).fill(2); // above lmdb's 16 MiB shared get buffer
    await db.transact((tx) => {
      tx.put(b(1), small);
      tx.put(b(2), big);
      tx.put(b(3), b(3, 3, 3));
    });
    const first = (await db.get(b(1))) as Uint8Array;
    const large = (await db.get(b(2))) as Uint8Array;
    const after = await db.getMany([b(3), b(1), b(9)]);
    expect(first.byteLength).toBe(300);
    expect(first.every((x) => x === 1)).toBe(true);
    expect(large.byteLength).toBe(big.byteLength);
    expect(large[0]).toBe(2);
    expect(large[large.byteLength - 1]).toBe(2);
    expect(after.map((v) => v && hex(v))).toEqual(['030303', hex(small), undefined]);
    first.fill(9); // the caller owns what it got: other reads do not see its changes
    expect(hex((await db.get(b(1))) as Uint8Array)).toBe(hex(small));
  });

  it('applies the writes of a transaction in order, and reads see them once it reads', async () => {
    await db.transact((tx) => {
      tx.put(b(1), b(1));
      tx.put(b(1), b(2));
      tx.put(b(2), b(2));
      tx.del(b(2));
      tx.put(b(3), b(3));
    });
    expect((await collect(db.range({}))).map(([k, v]) => `${hex(k)}=${hex(v)}`)).toEqual(['01=02', '03=03']);
    const seen = await db.transact((tx) => {
      tx.put(b(4), b(4));
      tx.del(b(3));
      const before = [tx.get(b(1)), tx.get(b(3)), tx.get(b(4))].map((v) => v && hex(v));
      tx.put(b(3), b(30)); // writes after the first read keep the index current
      tx.del(b(4));
      return [
        ...before,
        ...[tx.get(b(3)), tx.get(b(4))].map((v) => v && hex(v)),
        tx
          .range({})
          .map(([k]) => hex(k))
          .join(),
      ];
    });
    expect(seen).toEqual(['02', undefined, '04', '1e', undefined, '01,03']);
    expect((await collect(db.range({}))).map(([k, v]) => `${hex(k)}=${hex(v)}`)).toEqual(['01=02', '03=1e']);
  });
});
