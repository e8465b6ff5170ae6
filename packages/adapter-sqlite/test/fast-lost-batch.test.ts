import { join } from 'node:path';
import { createStore } from '@agentstore/core';
import { encodeKey } from '@agentstore/core/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/driver.js';
import { sqliteAdapter } from '../src/index.js';
import { DEFAULT_FILE } from '../src/paths.js';
import { tempDir } from './helpers.js';

/** Core's migration guard key (`0x00 'moved'`) and a tombstone as a migration writes it. */
const MOVED_KEY = Buffer.from([0x00, ...Buffer.from('moved', 'latin1')]);
const TOMBSTONE = Buffer.from(JSON.stringify({ adapter: 'memory', options: {}, id: 'elsewhere', at: 0 }));

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe("sqlite 'fast': a batch lost after it was acknowledged (SPEC §9.2)", () => {
  it('refuses every later write, sync and close with the error, and keeps nothing acknowledged after the lost write', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const domains = { fl: { adapter: 'sqlite', options: { durability: 'fast', fastWindowMs: 60_000 } } };
    const store = await createStore({ dataDir: temp.dir, adapters: [sqliteAdapter], domains });
    const kv = store.kv<number>('fl');
    await kv.put('seed', 0); // the domain's first write records its kind and commits
    await kv.put('a', 1); // acknowledged, waiting for its batch
    expect(await kv.get('a')).toBe(1);
    // Another process (a connection of its own) freezes the domain, as a migration does, before the batch commits.
    const other = openDatabase(join(temp.dir, DEFAULT_FILE), 5_000);
    other.prepare('INSERT INTO d_fl (k, v) VALUES (?, ?)').run(MOVED_KEY, TOMBSTONE);
    await kv.put('b', 2); // acknowledged too: it is queued behind 'a'
    const lost = await store.sync().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(lost).toMatchObject({ code: 'MOVED', message: expect.stringContaining('acknowledged writes were lost') });
    await expect(kv.put('c', 3)).rejects.toMatchObject({ code: 'MOVED' });
    await expect(store.close()).rejects.toMatchObject({ code: 'MOVED' });
    // What the file holds: the kind record, the tombstone and 'seed' — neither lost write, nor anything after them.
    const keys = (other.prepare('SELECT k FROM d_fl ORDER BY k').pluck().all() as Buffer[]).map((k) => k.toString('hex'));
    other.close();
    const expected = [MOVED_KEY, encodeKey('seed')].map((k) => Buffer.from(k).toString('hex'));
    expect(keys.filter((k) => !k.startsWith('006b696e64'))).toEqual(expected.sort());
  });
});
