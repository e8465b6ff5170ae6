/**
 * Values above BIG_VALUE_BYTES live in the domain's side table (a rowid table) behind an INTEGER id:
 * every read and write path sees the bytes, replaced and deleted values leave no side row behind,
 * the file records the newer layout once it holds one, and a file of the earlier layout still reads.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_VALUE_BYTES } from '../src/big-values.js';
import { openDatabase } from '../src/driver.js';
import { b, collect, openAdapter, openDomain, tempDir } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fresh(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

const big = (seed: number, extra = 1): Uint8Array => new Uint8Array(BIG_VALUE_BYTES + extra).fill(seed);
const same = (a: Uint8Array | undefined, e: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(e));
const file = (dir: string) => join(dir, 'sqlite', 'agentstore.db');

/** Rows of the side table of domain `test`, and the file's layout version, read by a second connection. */
function inspect(dir: string): { side: number; version: unknown } {
  const db = openDatabase(file(dir), 1000, true);
  try {
    const side = db.prepare('SELECT count(*) FROM b_test').pluck().get() as number;
    const version = db.prepare(`SELECT value FROM agentstore_meta WHERE key = 'schema_version'`).pluck().get();
    return { side, version };
  } finally {
    db.close();
  }
}

describe('sqlite: large values in the side table', () => {
  it('reads back through get, getMany, range and transactions; replaced and deleted ones leave no side row', async () => {
    const dir = fresh();
    const instance = await openAdapter(dir);
    const backend = await openDomain(instance);
    await backend.transact((tx) => tx.put(b(0), b(9)));
    expect(inspect(dir)).toEqual({ side: 0, version: 1 });
    await backend.transact((tx) => {
      tx.put(b(1), big(1));
      tx.put(b(2), b(2));
      tx.put(b(3), big(3));
      tx.put(b(3), big(4)); // the same key twice in one transaction: the later value wins
      expect(same(tx.get(b(1)), big(1))).toBe(true);
    });
    expect(inspect(dir)).toEqual({ side: 2, version: 2 });
    expect(same(await backend.get(b(1)), big(1))).toBe(true);
    expect(same(await backend.get(b(3)), big(4))).toBe(true);
    const [one, two, three] = await backend.getMany([b(1), b(2), b(3)]);
    expect([same(one, big(1)), same(two, b(2)), same(three, big(4))]).toEqual([true, true, true]);
    const rows = await collect(backend.range({ gte: b(1) }));
    expect(rows.map(([k, v]) => [k[0], v.byteLength])).toEqual([
      [1, BIG_VALUE_BYTES + 1],
      [2, 1],
      [3, BIG_VALUE_BYTES + 1],
    ]);
    // The one-statement range behind the migration guard (core's one-range reads) resolves side ids too.
    const guard = { key: Uint8Array.of(0, 1, 2), refuse: () => new Error('guarded') };
    const guarded = backend.rangeSync?.({ gte: b(1), lte: b(3), reverse: true }, guard) ?? [];
    expect(guarded.map(([k, v]) => [k[0], v.byteLength])).toEqual([
      [3, BIG_VALUE_BYTES + 1],
      [2, 1],
      [1, BIG_VALUE_BYTES + 1],
    ]);
    const [newest] = backend.rangeSync?.({ gte: b(1), lte: b(3), reverse: true, limit: 1 }, guard) ?? [];
    expect(same(newest?.[1], big(4))).toBe(true);
    // Replaced by a small value, by another large one, deleted: each drops its side row.
    await backend.transact((tx) => tx.put(b(1), b(5)));
    await backend.transact((tx) => tx.put(b(2), big(6, 100)));
    await backend.transact((tx) => tx.del(b(3)));
    expect(inspect(dir).side).toBe(1);
    expect(same(await backend.get(b(1)), b(5))).toBe(true);
    expect(same(await backend.get(b(2)), big(6, 100))).toBe(true);
    expect(await backend.get(b(3))).toBeUndefined();
    await backend.clear();
    expect(inspect(dir).side).toBe(0);
    await instance.close();
  });

  it('keeps large values across reopen, and refuses a counter update on one as INVALID_VALUE', async () => {
    const dir = fresh();
    const first = await openAdapter(dir);
    await (await openDomain(first)).transact((tx) => tx.put(b(1), big(7)));
    await first.close();
    const again = await openAdapter(dir);
    const backend = await openDomain(again);
    expect(same(await backend.get(b(1)), big(7))).toBe(true);
    await expect(backend.updateCounters?.([{ key: b(1), by: 1 }])).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(same(await backend.get(b(1)), big(7))).toBe(true);
    await again.close();
  });

  it('reads a file of the earlier layout (large values inline, no side table), read-write and read-only', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'sqlite'));
    const db = openDatabase(file(dir), 1000);
    db.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE agentstore_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO agentstore_meta (key, value) VALUES ('schema_version', 1), ('sync_count', 0);
      CREATE TABLE d_test (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;`);
    db.prepare('INSERT INTO d_test (k, v) VALUES (?, ?)').run(b(1), big(8));
    db.close();
    const readOnly = await (await import('../src/index.js')).sqliteAdapter.open({ dataDir: dir, readOnly: true });
    expect(same(await (await openDomain(readOnly)).get(b(1)), big(8))).toBe(true);
    await readOnly.close();
    const instance = await openAdapter(dir);
    const backend = await openDomain(instance);
    expect(same(await backend.get(b(1)), big(8))).toBe(true);
    // Overwriting the inline value moves it to the side table.
    await backend.transact((tx) => tx.put(b(1), big(9)));
    expect(same(await backend.get(b(1)), big(9))).toBe(true);
    expect(inspect(dir)).toEqual({ side: 1, version: 2 });
    await instance.close();
  });
});
