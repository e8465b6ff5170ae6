import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresAdapter } from '@agentstore/adapter-postgres';
import { createStore, type Store } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExport } from '../src/export-format.js';
import { codeOf, openStore, tempDir } from './support/stores.js';

/**
 * What import checks before it writes, in process (the CLI tests run the real bin): every kind's
 * real entries pass and round-trip byte for byte; each kind of bad entry is refused with its code,
 * naming the entry, and leaves the target as it was.
 */
type Row = [Uint8Array, Uint8Array];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let store: Store;
const DOMAINS = { tight: { adapter: 'memory', options: { maxValueBytes: 100 } } };

async function* rows(list: readonly Row[]): AsyncIterable<Row> {
  yield* list;
}

async function raw(domain: string): Promise<Row[]> {
  const out: Row[] = [];
  // Plain copies: byte equality whatever array type a backend hands out (better-sqlite3: Buffers).
  for await (const [k, v] of storeAdmin(store).entries(domain)) out.push([new Uint8Array(k), new Uint8Array(v)]);
  return out;
}

const bytes = (...parts: Array<number | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'latin1')])));
const KIND = (kind: string): Row => [bytes(0, 'kind'), bytes(kind)];

beforeAll(async () => {
  tmp = await tempDir();
  store = await openStore(tmp.dir, { ...DOMAINS, ...{ kv: { adapter: 'sqlite' }, cps: { adapter: 'lmdb' } } });
  const kv = store.kv('kv');
  await kv.put(['run', 'a'], { at: new Date(0), big: 1n });
  await kv.put('plain', 'text');
  await kv.updateCounter('tokens', 12);
  await store.kv('kv_json', { codec: (await import('@agentstore/core')).jsonCodec }).put('j', { a: 1 });
  const cps = store.checkpoints('cps');
  await cps.save('t', { data: Uint8Array.of(1, 2), metadata: { step: 1 } });
  await cps.save('t', { data: Uint8Array.of(3) });
  await store.journal('log').append('events', ['a', 'b'], { validTime: 5 });
  const versioned = store.versioned('mem');
  await versioned.put('fact', 1, { validFrom: 10 });
  await versioned.correct('fact', 2, { validFrom: 10, validTo: 20 });
  await store.snapshots('snap').put({ catalog: [1, 2] }, { source: 'test' });
  const artifacts = store.artifacts('blobs', { budgetBytes: 10_000_000 });
  await artifacts.put('big', new Uint8Array(300 * 1024).fill(7), { meta: { m: 1 } });
  await artifacts.put('small', Uint8Array.of(1));
  const lease = await artifacts.checkout('small');
  expect(lease).toBeDefined();
  await artifacts.reserve('pending');
});

afterAll(async () => {
  await store?.close();
  await tmp?.remove();
});

describe('import checks', () => {
  it('every kind round-trips byte for byte through load', async () => {
    for (const domain of ['kv', 'kv_json', 'cps', 'log', 'mem', 'snap', 'blobs']) {
      const source = await raw(domain);
      expect(source.length, domain).toBeGreaterThan(1);
      const kind = await storeAdmin(store).kind(domain);
      const written = await storeAdmin(store).load(`${domain}_copy`, rows(source), { kind: kind ?? null });
      expect(written, domain).toBe(source.length);
      expect(await raw(`${domain}_copy`), domain).toEqual(source);
    }
    expect(await store.versioned('mem_copy').history('fact')).toEqual(await store.versioned('mem').history('fact'));
    expect((await store.artifacts('blobs_copy').get('big'))?.byteLength).toBe(300 * 1024);
  });

  it('each kind of bad entry is refused with its code and the entry number; nothing is written', async () => {
    const kv = await raw('kv');
    const [kindRow, ...user] = kv as [Row, ...Row[]];
    const cps = await raw('cps');
    const record = cps.find(([k]) => k[0] === 0x04) as Row;
    const cases: Array<[string, Row[], string, RegExp, string?]> = [
      ['a repeated key', [kindRow, user[0] as Row, user[0] as Row], 'CORRUPT', /^entry 3 .*out of order or repeated/],
      ['keys out of order', [kindRow, user[1] as Row, user[0] as Row], 'CORRUPT', /^entry 3 .*out of order/],
      ['no kind record first', user, 'CORRUPT', /^entry 1 .*not the kind record/],
      ['an unknown kind record', [KIND('tables')], 'CORRUPT', /^entry 1 .*no known kind/],
      ['a journal key in a kv domain', [kindRow, [bytes(0x06, 'x'), bytes(0)]], 'CORRUPT', /^entry 2 .*key space 0x06 is not used by kv/],
      ['a migration marker', [kindRow, [bytes(0, 'migrating'), bytes('{}')]], 'CORRUPT', /^entry 2 .*migration marker/],
      ['an undecodable kv key', [kindRow, [bytes(0x30, 0x20, 'a'), bytes(0, 1)]], 'CORRUPT', /^entry 2 .*malformed key bytes/],
      ['a malformed counter', [kindRow, [bytes(0x20, 'c'), bytes(1, 2, 3)]], 'CORRUPT', /^entry 2 .*counter/],
      ['an empty key', [[new Uint8Array(0), bytes('kv')]], 'INVALID_KEY', /^entry 1 .*0 bytes/],
      ['a cut checkpoint record', [KIND('checkpoints'), [record[0], record[1].subarray(0, 10)]], 'CORRUPT', /^entry 2 .*checkpoint/],
      ['a header that names another kind', kv, 'CORRUPT', /^entry 1 .*kind record says kv, the file's header journal/, 'journal'],
      ['a header kind with no entries', [], 'CORRUPT', /declares kind kv but holds no entries/, 'kv'],
      ['a header kind nobody knows', kv, 'CORRUPT', /no known kind/, 'tables'],
    ];
    for (const [what, list, code, message, kind] of cases) {
      const err = await storeAdmin(store)
        .load('target', rows(list), kind === undefined ? {} : { kind: kind as 'kv' })
        .then(
          () => undefined,
          (e: unknown) => e as Error & { code: string },
        );
      expect(err?.code, what).toBe(code);
      expect(err?.message, what).toMatch(message);
      expect(await raw('target'), what).toEqual([]);
    }
  });

  it('a value over the target domain’s maxValueBytes: VALUE_TOO_LARGE', async () => {
    await store.kv('big_kv').put('v', 'y'.repeat(150));
    const err = await codeOf(storeAdmin(store).load('tight', rows(await raw('big_kv')), { kind: 'kv' }));
    expect(err).toBe('VALUE_TOO_LARGE');
    expect(await raw('tight')).toEqual([]);
  });

  it('the file itself: a bad line, base64, trailer or header stops the read with CORRUPT, naming the line', async () => {
    const header = JSON.stringify({ format: 'agentstore-export', version: 1, domain: 'd', kind: 'kv', adapter: 'memory', exportedAt: '' });
    const read = async (text: string): Promise<string | undefined> => {
      const file = join(tmp.dir, 'f.jsonl');
      await writeFile(file, text);
      try {
        for await (const _ of (await openExport(file)).entries()) {
          // drain
        }
        return undefined;
      } catch (err) {
        return `${(err as { code: string }).code} ${(err as Error).message}`;
      }
    };
    expect(await read(`${header}\n{"k":"AGtpbmQ=","v":"a3Y="}\n`)).toMatch(/^CORRUPT .*no trailer/);
    expect(await read(`${header}\n{"k":"AGtpbmQ=","v":"a3Y*"}\n`)).toMatch(/^CORRUPT .*:2: entry 1: "v" is not base64/);
    expect(await read(`${header}\n{"k":"AGtpbmQ=","v":"a3Y="}\n{"end":true,"entries":1,"sha256":"00"}\n`)).toMatch(
      /^CORRUPT .*do not match the trailer/,
    );
    expect(await read(`${header}\n{"end":true,"entries":0,"sha256":"x"}\n{"k":"AA==","v":"AA=="}\n`)).toMatch(
      /^CORRUPT .*:3: data after the trailer/,
    );
    expect(await read(`{"format":"other"}\n`)).toMatch(/^CORRUPT .*:1: not an agentstore-export v1 file/);
  });

  it('--replace over postgres: one transaction swaps the content; a bad entry leaves the old one', async (ctx) => {
    const url = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const options = { connectionString: url, schema: 'agentstore_cli_import', connectTimeoutMs: 3000 };
    const pgStore = await createStore({
      dataDir: tmp.dir,
      adapters: [postgresAdapter],
      domains: { pgdst: { adapter: 'postgres', options } },
    });
    try {
      const reach = await codeOf(storeAdmin(pgStore).kind('pgdst'));
      if (reach !== undefined) return ctx.skip(`PostgreSQL at 127.0.0.1:5432 unreachable (${reach}); set AGENTSTORE_PG_URL`);
      await pgStore.dropDomain('pgdst');
      const kv = pgStore.kv('pgdst');
      await kv.putMany(Array.from({ length: 1500 }, (_, i) => [['k', i], `old ${i}`] as const));
      const admin = storeAdmin(pgStore);
      const content = async (): Promise<string[]> => {
        const out: string[] = [];
        for await (const [k, v] of admin.entries('pgdst')) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
        return out;
      };
      const old = await content();
      await store.kv('pg_src').putMany(Array.from({ length: 3000 }, (_, i) => [['k', i * 2], { i }] as const));
      const fresh = await raw('pg_src');
      const broken = fresh.map((row, i): Row => (i === 2501 ? [row[0], Uint8Array.of(9)] : row));
      expect(await codeOf(admin.load('pgdst', rows(broken), { kind: 'kv', replace: true }))).toBe('CORRUPT');
      expect(await content()).toEqual(old);
      expect(await admin.load('pgdst', rows(fresh), { kind: 'kv', replace: true })).toBe(3001);
      expect(await content()).toEqual(fresh.map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`));
      expect(await kv.get(['k', 1])).toBeUndefined(); // an old key the file does not hold is gone
      await pgStore.dropDomain('pgdst');
    } finally {
      await pgStore.close();
    }
  });
});
