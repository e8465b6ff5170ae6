/** Byte-level behaviour of the postgres backend: order, group commit, replay, DDL, names, options. */
import { type AdapterInstance, type Bytes, type DomainBackend, isStoreError, StoreError } from '@agentstore/core/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent, tableNameOf } from '../src/identifiers.js';
import { type PostgresOptions, postgresAdapter, postgresOptionsSchema } from '../src/index.js';
import { commitStats } from '../src/pg-engine.js';
import { readStats } from '../src/read-batch.js';
import { b, collect, domainOptions, openAdapter, plain, tempTarget } from './helpers.js';
import { unreachableReason, withAdmin } from './pg-env.js';

const skipped = await unreachableReason();
if (skipped !== undefined) console.log(`[adapter-postgres] backend tests skipped: ${skipped}`);

/** The value of a stored counter record (tag 0x01, then a little-endian float64). */
const decodeCounter = (stored: Bytes): number => Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).readDoubleLE(1);

/** Resolves to the error a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('postgres options and names (no server needed)', () => {
  it('fills documented defaults and rejects unknown keys and unsafe schemas', () => {
    expect(postgresOptionsSchema.parse({})).toEqual({
      connectionString: 'postgres://127.0.0.1:5432/postgres',
      schema: 'agentstore',
      poolSize: 10,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      lockTimeoutMs: 10_000,
      busyRetries: 3,
      applicationName: 'agentstore',
    });
    for (const schema of ['Bad', 'a-b', 'a"b', '1abc', 'x'.repeat(64), '', 'a; drop table x']) {
      expect(postgresOptionsSchema.safeParse({ schema }).success, schema).toBe(false);
    }
    expect(postgresOptionsSchema.safeParse({ schema: `_${'x'.repeat(62)}` }).success).toBe(true);
    expect(postgresOptionsSchema.safeParse({ noSuchOption: 1 }).success).toBe(false);
    expect(postgresOptionsSchema.safeParse({ poolSize: 0 }).success).toBe(false);
  });

  it('asserts the domain pattern and identifier length at the SQL boundary', () => {
    const long = `a${'b'.repeat(47)}`;
    expect(tableNameOf(long)).toBe(`d_${long}`);
    expect(Buffer.byteLength(tableNameOf(long))).toBe(50);
    for (const bad of [`a${'b'.repeat(48)}`, 'A', 'a-b', 'x"; DROP TABLE y; --', "x'", '', 'é', '_a']) {
      expect(() => tableNameOf(bad), bad).toThrow(StoreError);
    }
    expect(() => quoteIdent('a"b')).toThrow(StoreError);
    expect(() => quoteIdent('x'.repeat(64))).toThrow(StoreError);
    expect(quoteIdent('x'.repeat(63))).toBe(`"${'x'.repeat(63)}"`);
  });
});

describe.skipIf(skipped !== undefined)('postgres backend', () => {
  let target: ReturnType<typeof tempTarget>;
  let instance: AdapterInstance<PostgresOptions>;
  const open = (domain: string, durability: 'strict' | 'balanced' | 'fast' = 'balanced'): Promise<DomainBackend> =>
    instance.domain(domain, domainOptions(target.options, durability));

  beforeAll(async () => {
    target = tempTarget('backend');
    instance = await openAdapter(target.dataDir);
  });
  afterAll(async () => {
    await instance?.close();
    await target?.cleanup();
  });

  it('orders keys bytewise (0x00, 0xFF, prefixes before extensions), whatever the collation', async () => {
    const d = await open('order');
    const keys = [
      b(),
      b(0),
      b(0, 0),
      b(0, 255),
      b(1),
      b(1, 0),
      b(127),
      b(128),
      b(255),
      b(255, 0),
      b(255, 255),
      b(0x61),
      b(0x41),
      b(0xc3, 0xa9),
      b(0x65, 0xcc, 0x81),
    ];
    await d.transact((tx) => {
      for (const [i, k] of keys.entries()) tx.put(k, b(i));
    });
    const sorted = [...keys].sort((x, y) => Buffer.compare(x, y)).map((k) => [...k]);
    expect((await collect(d.range({}))).map(([k]) => [...k])).toEqual(sorted);
    expect((await collect(d.range({ reverse: true }))).map(([k]) => [...k])).toEqual([...sorted].reverse());
    expect((await collect(d.range({ gt: b(0), lt: b(1, 0) }))).map(([k]) => [...k])).toEqual([[0, 0], [0, 255], [1]]);
    expect((await collect(d.range({ gte: b(255), reverse: true, limit: 2 }))).map(([k]) => [...k])).toEqual([
      [255, 255],
      [255, 0],
    ]);
    expect(await d.count({ gte: b(0), lt: b(255) })).toBe(11);
    expect(await d.count({ gte: b(0), lt: b(255), limit: 5 })).toBe(5);
    // bytea has no collation: the key column carries none, and asking for one is an error.
    const collation = await withAdmin(async (client) => {
      const r = await client.query(
        `SELECT a.attcollation::int AS c FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = 'k'`,
        [`"${target.schema}"."d_order"`],
      );
      const refused = await client.query(`SELECT 'a'::bytea < 'b'::bytea COLLATE "C"`).then(
        () => false,
        () => true,
      );
      return { c: r.rows[0].c as number, refused };
    });
    expect(collation).toEqual({ c: 0, refused: true });
  });

  it('returns values, absences and getMany in order', async () => {
    const d = await open('points');
    await d.transact((tx) => {
      tx.put(b(1), b(10));
      tx.put(b(2), b());
    });
    expect([...((await d.get(b(1))) ?? [])]).toEqual([10]);
    expect(await d.get(b(3))).toBeUndefined();
    expect((await d.get(b(2)))?.byteLength).toBe(0);
    const many = await d.getMany([b(3), b(1), b(2), b(1)]);
    expect(many.map((v) => (v === undefined ? undefined : [...v]))).toEqual([undefined, [10], [], [10]]);
  });

  it('coalesces concurrent point reads into few statements; each sees the writes acknowledged before it', async () => {
    const d = await open('coalesce');
    await d.transact((tx) => {
      for (let i = 0; i < 200; i++) tx.put(b(7, i), b(i));
    });
    const before = { ...readStats };
    const [singles, many] = await Promise.all([
      Promise.all(Array.from({ length: 200 }, (_, i) => d.get(b(7, i)))),
      Promise.all(Array.from({ length: 50 }, (_, i) => d.getMany([b(7, i), b(8, i), b(7, 199 - i)]))),
    ]);
    expect(singles.map((v) => v?.[0])).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(many.map((vs) => vs.map((v) => v?.[0]))).toEqual(Array.from({ length: 50 }, (_, i) => [i, undefined, 199 - i]));
    expect(readStats.calls - before.calls).toBe(250);
    // Two statements may run at once per domain; the other calls wait and go together.
    expect(readStats.statements - before.statements).toBeLessThanOrEqual(10);
    // Read-your-writes across lanes: a get issued after a commit resolved sees it, with reads in flight.
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (let n = 1; n <= 20; n++) {
        await d.transact((tx) => tx.put(b(9, lane), b(n)));
        const [seen] = await Promise.all([d.get(b(9, lane)), d.get(b(7, n)), d.getMany([b(7, lane), b(9, (lane + 1) % 8)])]);
        expect(seen?.[0]).toBe(n);
      }
    });
    await Promise.all(lanes);
  });

  it('groups transactions issued together into one commit; a throwing function fails alone', async () => {
    const d = await open('group');
    const before = { ...commitStats };
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        d.transact((tx) => {
          if (i === 7) throw new Error('boom');
          const old = tx.get(b(0));
          const n = old === undefined ? 0 : (old[0] ?? 0);
          tx.put(b(0), b(n + 1));
          tx.put(b(1, i), b(i));
          return n + 1;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(values).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    expect([...((await d.get(b(0))) ?? [])]).toEqual([49]);
    expect(await d.get(b(1, 7))).toBeUndefined();
    expect(commitStats.groups - before.groups).toBeLessThanOrEqual(2);
    expect(commitStats.transactions - before.transactions).toBe(50);
  });

  /** 300 keys with no 0x00 after their first byte: each one a partition of its own (key-locks.ts). */
  const widePuts = (tx: { put(k: Uint8Array, v: Uint8Array): void }) => {
    for (let i = 0; i < 300; i++) tx.put(b(0x40, 1 + Math.floor(i / 250), 1 + (i % 250)), b(i % 256));
  };

  it('a write to more partitions than a transaction may lock upgrades to the domain lock in place when alone', async () => {
    const d = await open('wide');
    const before = { ...commitStats };
    await d.transact(widePuts);
    expect(commitStats.upgrades - before.upgrades).toBe(1);
    expect(commitStats.restarts - before.restarts).toBe(0);
    expect(await d.count({})).toBe(300);
    expect([...((await d.get(b(0x40, 2, 50))) ?? [])]).toEqual([299 % 256]);
  });

  it('that upgrade is only tried: with the domain lock held shared elsewhere, the group restarts and waits for it', async () => {
    const d = await open('wide_held');
    await d.transact((tx) => tx.put(b(1), b(1)));
    const { lockKey } = await import('../src/identifiers.js');
    const pg = (await import('pg')).default;
    const other = new pg.Client({ connectionString: target.options.connectionString });
    await other.connect();
    const before = { ...commitStats };
    let settled = false;
    try {
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock_shared(${lockKey(target.schema, 'domain:wide_held')})`);
      const write = d.transact(widePuts).finally(() => {
        settled = true;
      });
      // The restarted group waits for the exclusive lock while the other transaction holds it shared.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await other.query('COMMIT');
      await write;
    } finally {
      await other.end();
    }
    expect(commitStats.upgrades - before.upgrades).toBe(0);
    expect(commitStats.restarts - before.restarts).toBe(1);
    expect(commitStats.exclusiveGroups - before.exclusiveGroups).toBe(1);
    expect(await d.count({})).toBe(301);
  });

  it('range inside a transaction sees earlier writes of the group and its own, with limits', async () => {
    const d = await open('txrange');
    await d.transact((tx) => {
      for (let i = 0; i < 20; i++) tx.put(b(5, i), b(i));
    });
    const [first, second] = await Promise.all([
      d.transact((tx) => {
        tx.del(b(5, 0));
        tx.del(b(5, 1));
        tx.put(b(5, 2, 0), b(99));
        return plain(tx.range({ gte: b(5), lt: b(6), limit: 3 }));
      }),
      d.transact((tx) => plain(tx.range({ gte: b(5), lt: b(6), limit: 2, reverse: true }))),
    ]);
    expect(first).toEqual([
      [[5, 2], [2]],
      [[5, 2, 0], [99]],
      [[5, 3], [3]],
    ]);
    expect(second).toEqual([
      [[5, 19], [19]],
      [[5, 18], [18]],
    ]);
  });

  it('converges on functions that probe a fresh random key of one partition on every run', async () => {
    const d = await open('probe');
    // Partition [9, 0] (key-locks.ts): a gap fetched under its lock covers every random probe in it.
    await d.transact((tx) => {
      for (let i = 0; i < 50; i++) tx.put(b(9, 0, i * 5), b(i));
    });
    const id = await d.transact((tx) => {
      let key = b(9, 0, Math.floor(Math.random() * 250), Math.floor(Math.random() * 256));
      while (tx.get(key) !== undefined) key = b(9, 0, Math.floor(Math.random() * 250), Math.floor(Math.random() * 256));
      tx.put(key, b(1));
      return [...key];
    });
    expect([...((await d.get(Uint8Array.from(id))) ?? [])]).toEqual([1]);
  });

  it('reads many keys one at a time in one transaction (replay per key)', async () => {
    const d = await open('manyreads');
    await d.transact((tx) => {
      for (let i = 0; i < 200; i++) tx.put(b(i), b(i));
    });
    const sum = await d.transact((tx) => {
      let total = 0;
      for (let i = 0; i < 200; i++) total += tx.get(b(i))?.[0] ?? 0;
      return total;
    });
    expect(sum).toBe((199 * 200) / 2);
  });

  it('refuses a tx used after its function returned', async () => {
    const d = await open('late');
    let kept: { put: (k: Uint8Array, v: Uint8Array) => void } | undefined;
    await d.transact((tx) => {
      kept = tx;
    });
    expect(() => kept?.put(b(1), b(1))).toThrow(StoreError);
  });

  it('round-trips a large value (binary parameters) next to small ones', async () => {
    const d = await open('big');
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i & 0xff);
    await d.transact((tx) => {
      tx.put(b(1), big);
      tx.put(b(2), b(2));
    });
    const back = await d.get(b(1));
    expect(back?.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(Buffer.from(back ?? []), Buffer.from(big))).toBe(0);
    expect((await d.sizeBytes?.()) ?? 0).toBeGreaterThan(0);
  });

  it('clear, dropDomain and listDomains', async () => {
    const a = await open('lista');
    const c = await open('listc');
    await a.transact((tx) => tx.put(b(1), b(1)));
    await c.transact((tx) => tx.put(b(1), b(1)));
    expect(await instance.listDomains()).toEqual(expect.arrayContaining(['lista', 'listc']));
    await a.clear();
    expect(await a.count({})).toBe(0);
    await instance.dropDomain('listc', domainOptions(target.options));
    expect(await instance.listDomains()).not.toContain('listc');
    expect(await c.get(b(1))).toBeUndefined();
    // Writing again through the old handle recreates the table.
    await c.transact((tx) => tx.put(b(2), b(2)));
    expect([...((await c.get(b(2))) ?? [])]).toEqual([2]);
  });

  it('a table dropped by another process is recreated by the next write; reads see it empty', async () => {
    const d = await open('vanish');
    await d.transact((tx) => tx.put(b(1), b(1)));
    await withAdmin((client) => client.query(`DROP TABLE "${target.schema}"."d_vanish"`));
    expect(await d.get(b(1))).toBeUndefined();
    expect(await collect(d.range({}))).toEqual([]);
    expect(await d.transact((tx) => tx.get(b(1)))).toBeUndefined();
    await d.transact((tx) => tx.put(b(2), b(2)));
    expect([...((await d.get(b(2))) ?? [])]).toEqual([2]);
  });

  it('a group past the inline size writes exact bytes: upserts over old rows, deletes, empty values, zero bytes', async () => {
    const d = await open('packed');
    await d.transact((tx) => {
      for (let i = 0; i < 20; i++) tx.put(b(0x50, i), b(0xee));
    });
    const value = (i: number) => Uint8Array.from({ length: i % 7 === 0 ? 0 : 300 + (i % 13) }, (_, j) => (i * 31 + j) % 256);
    // Keys with 0x00 and 0xff bytes; ≈ 94 KB of values, past the one-round-trip commit's 64 KB.
    const key = (i: number) => b(0x50, i % 256, 0, Math.floor(i / 256), 0xff);
    const inline = commitStats.inlineCommits;
    await d.transact((tx) => {
      for (let i = 0; i < 300; i++) tx.put(key(i), value(i));
      for (let i = 0; i < 10; i++) tx.del(b(0x50, i));
      for (let i = 10; i < 20; i++) tx.put(b(0x50, i), b(i));
    });
    expect(commitStats.inlineCommits - inline).toBe(0);
    for (const i of [0, 1, 6, 7, 255, 256, 299]) expect([...((await d.get(key(i))) ?? [9])], `key ${i}`).toEqual([...value(i)]);
    expect(await d.get(b(0x50, 3))).toBeUndefined();
    expect([...((await d.get(b(0x50, 15))) ?? [])]).toEqual([15]);
    expect(await d.count({ gte: b(0x50), lt: b(0x51) })).toBe(310);
  });

  it('a lone counter update runs its prepared upsert again after the table is dropped and recreated', async () => {
    const d = await open('counter_vanish');
    const bump = async () => {
      const [stored] = await (d.updateCounters as NonNullable<DomainBackend['updateCounters']>)([{ key: b(7), by: 1 }]);
      return decodeCounter(stored as Bytes);
    };
    expect(await bump()).toBe(1);
    expect(await bump()).toBe(2);
    await withAdmin((client) => client.query(`DROP TABLE "${target.schema}"."d_counter_vanish"`));
    // The prepared statement's table is gone: the update falls back to a transaction, which recreates it.
    expect(await bump()).toBe(1);
    // The connections' prepared statements now name the new table.
    expect(await bump()).toBe(2);
    expect(await bump()).toBe(3);
  });

  it('48-character domain names that differ only at the end do not collide', async () => {
    const stem = `a${'x'.repeat(46)}`;
    const one = await open(`${stem}1`);
    const two = await open(`${stem}2`);
    await one.transact((tx) => tx.put(b(1), b(1)));
    await two.transact((tx) => tx.put(b(1), b(2)));
    expect([...((await one.get(b(1))) ?? [])]).toEqual([1]);
    expect([...((await two.get(b(1))) ?? [])]).toEqual([2]);
    const tables = await withAdmin(async (client) => {
      const r = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'd\\_a%x_'`, [target.schema]);
      return r.rows.map((row) => row.tablename as string).sort();
    });
    expect(tables).toEqual([`d_${stem}1`, `d_${stem}2`]);
  });

  it('SQL-looking domain names never reach SQL', async () => {
    for (const name of ['x"; DROP SCHEMA public CASCADE; --', "a'b", 'A', `a${'b'.repeat(48)}`]) {
      const error = await rejection(open(name));
      expect(error.code, name).toBe('INVALID_DOMAIN');
    }
  });

  it("'fast' commits turn synchronous_commit off; sync() then forces a WAL flush", async () => {
    const d = await open('fastdom', 'fast');
    await d.transact((tx) => tx.put(b(1), b(1)));
    const count = () =>
      withAdmin(async (client) => {
        const r = await client.query(`SELECT value::int AS v FROM "${target.schema}".agentstore_meta WHERE key = 'sync_count'`);
        return r.rows[0].v as number;
      });
    const before = await count();
    await instance.sync();
    expect(await count()).toBe(before + 1);
    await instance.sync(); // nothing new to flush: no write
    expect(await count()).toBe(before + 1);
  });

  it('a lock held past lockTimeoutMs fails the commit with BUSY after retries, then it works again', async () => {
    const own: PostgresOptions = { ...target.options, lockTimeoutMs: 100, busyRetries: 1 };
    const d = await instance.domain('locked', domainOptions(own));
    await d.transact((tx) => tx.put(b(1), b(1)));
    const { lockKey } = await import('../src/identifiers.js');
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: own.connectionString });
    await admin.connect();
    await admin.query(`SELECT pg_advisory_lock(${lockKey(target.schema, 'domain:locked')})`);
    const error = await rejection(d.transact((tx) => tx.put(b(2), b(2))));
    expect(error.code).toBe('BUSY');
    expect(isStoreError(error.cause) || (error.cause as { code?: string }).code === '55P03').toBe(true);
    await admin.end();
    await d.transact((tx) => tx.put(b(2), b(2)));
    expect([...((await d.get(b(2))) ?? [])]).toEqual([2]);
  });
});

describe.skipIf(skipped !== undefined)('postgres session-level prepared statements', () => {
  it('prepares once per connection, and again when the statement was deallocated behind it', async () => {
    const { Database } = await import('../src/database.js');
    const target = tempTarget('prepared');
    const options = postgresOptionsSchema.parse(target.options);
    // One connection: every call below runs on the same session.
    const db = new Database({ ...options, poolSize: 1 });
    let prepares = 0;
    const prepare = () => {
      prepares++;
      return 'PREPARE agentstore_test_one AS SELECT 1 AS one';
    };
    try {
      const run = async (text: string) => (await db.writePrepared('agentstore_test_one', prepare, text)) as { rows: unknown[] };
      expect((await run('EXECUTE agentstore_test_one')).rows).toEqual([{ one: 1 }]);
      expect((await run('EXECUTE agentstore_test_one')).rows).toEqual([{ one: 1 }]);
      expect(prepares).toBe(1);
      await run('DEALLOCATE agentstore_test_one');
      // The session lost it (26000): prepared again, and the query run once more.
      expect((await run('EXECUTE agentstore_test_one')).rows).toEqual([{ one: 1 }]);
      expect(prepares).toBe(2);
    } finally {
      await db.end();
      await target.cleanup();
    }
  });
});

describe.skipIf(skipped !== undefined)('postgres adapter instance', () => {
  it('shares one pool per target in the process and ends it with the last instance', async () => {
    const { openDatabaseCount } = await import('../src/registry.js');
    const target = tempTarget('pools');
    const before = openDatabaseCount();
    const one = await postgresAdapter.open({ dataDir: target.dataDir });
    const two = await postgresAdapter.open({ dataDir: target.dataDir });
    await one.domain('p', domainOptions(target.options));
    await two.domain('p', domainOptions(target.options));
    expect(openDatabaseCount()).toBe(before + 1);
    await one.close();
    expect(openDatabaseCount()).toBe(before + 1);
    await two.close();
    expect(openDatabaseCount()).toBe(before);
    await target.cleanup();
  });
});
