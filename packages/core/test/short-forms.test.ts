import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, isStoreError, redactUrl, type Store } from '../src/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-short-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

async function putAndReopen(open: () => Promise<Store>): Promise<{ adapter: string; value: unknown }> {
  const first = await open();
  await first.kv('notes').put('k', { n: 1 });
  await first.close();
  const second = await open();
  try {
    return { adapter: second.adapterOf('notes'), value: await second.kv('notes').get('k') };
  } finally {
    await second.close();
  }
}

describe('createStore short forms', () => {
  it('a bare path uses sqlite (the first installed file adapter) and persists there', async () => {
    const dir = join(tempDir(), 'agent-data');
    const result = await putAndReopen(() => createStore(dir));
    expect(result).toEqual({ adapter: 'sqlite', value: { n: 1 } });
    expect(readdirSync(dir).some((f) => f.includes('sqlite'))).toBe(true);
  });

  it('sqlite:, lmdb: and { url } name the adapter and its directory', async () => {
    const dir = tempDir();
    expect(await putAndReopen(() => createStore(`lmdb:${join(dir, 'a')}`))).toEqual({ adapter: 'lmdb', value: { n: 1 } });
    expect(await putAndReopen(() => createStore({ url: `sqlite://${join(dir, 'b')}` }))).toEqual({ adapter: 'sqlite', value: { n: 1 } });
    const store = await createStore(`lmdb:${join(dir, 'a')}`);
    expect(store.dataDir).toBe(resolve(dir, 'a'));
    await store.close();
  });

  it('memory: keeps nothing on disk', async () => {
    const dir = tempDir();
    const store = await createStore({ url: 'memory:', dataDir: dir });
    await store.kv('notes').put('k', 1);
    expect(store.adapterOf('notes')).toBe('memory');
    await store.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('loads the published adapters that `domains` names', async () => {
    const dir = tempDir();
    const store = await createStore({ url: dir, domains: { hot: { adapter: 'lmdb' } } });
    await store.kv('hot').put('k', 2);
    expect([store.adapterOf('hot'), store.adapterOf('cold')]).toEqual(['lmdb', 'sqlite']);
    await store.close();
  });

  it('rejects an unknown scheme, url with default, and two data directories, without echoing a password', async () => {
    const bad = await rejection(createStore('redis://user:hunter2@host:6379'));
    expect(bad.code).toBe('INVALID_OPTIONS');
    expect(bad.message).not.toContain('hunter2');
    expect(bad.message).toContain('redis://user:***@host');
    const both = await rejection(createStore({ url: 'memory:', default: { adapter: 'memory' } }));
    expect(both.code).toBe('INVALID_OPTIONS');
    const twoDirs = await rejection(createStore({ url: 'sqlite:./a', dataDir: './b' }));
    expect(twoDirs.code).toBe('INVALID_OPTIONS');
    const notAString = await rejection(createStore({ url: 42 as unknown as string }));
    expect(notAString.code).toBe('INVALID_OPTIONS');
  });

  it('redactUrl hides only the password', () => {
    expect(redactUrl('postgres://agent:s3cret@db:5432/x')).toBe('postgres://agent:***@db:5432/x');
    expect(redactUrl('postgres://agent@db/x')).toBe('postgres://agent@db/x');
    expect(redactUrl('./agent-data')).toBe('./agent-data');
  });

  it('AGENTSTORE_DATA_DIR is the default data directory when set, never required', async () => {
    const dir = join(tempDir(), 'from-env');
    const before = process.env.AGENTSTORE_DATA_DIR;
    process.env.AGENTSTORE_DATA_DIR = dir;
    try {
      const store = await createStore('sqlite:');
      await store.kv('notes').put('k', 3);
      expect(store.dataDir).toBe(dir);
      await store.close();
      expect(existsSync(dir)).toBe(true);
      const plain = await createStore();
      expect(plain.dataDir).toBe(dir);
      await plain.close();
    } finally {
      if (before === undefined) delete process.env.AGENTSTORE_DATA_DIR;
      else process.env.AGENTSTORE_DATA_DIR = before;
    }
    const unset = await createStore({ adapters: [] });
    expect(unset.dataDir).toBe(resolve('.agentstore'));
    await unset.close();
  });

  it('a postgres:// URL routes the default to PostgreSQL', async (ctx) => {
    const url = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const domain = `core19_short_${process.pid}`;
    let store: Store;
    try {
      store = await createStore({ url, dataDir: tempDir() });
      await store.kv(domain).put('k', 'v');
    } catch (err) {
      if (isStoreError(err, 'IO')) return ctx.skip(`PostgreSQL is unreachable (${err.message})`);
      throw err;
    }
    try {
      expect(store.domainConfig(domain)).toMatchObject({ adapter: 'postgres', options: { connectionString: url } });
      expect(await store.kv(domain).get('k')).toBe('v');
      await store.dropDomain(domain);
    } finally {
      await store.close();
    }
  });
});

describe('await using', () => {
  it('closes the store at the end of the block', async () => {
    let outside: Store | undefined;
    {
      await using store = await createStore('memory:');
      await store.kv('notes').put('k', 1);
      outside = store;
    }
    const err = await rejection(outside.kv('notes').get('k'));
    expect(err.code).toBe('CLOSED');
  });

  it('closes it when the block throws, too', async () => {
    let outside: Store | undefined;
    const err = await rejection(
      (async () => {
        await using store = await createStore('memory:');
        outside = store;
        throw new Error('boom');
      })(),
    );
    expect(err.message).toBe('boom');
    expect((await rejection((outside as Store).kv('x').get('k'))).code).toBe('CLOSED');
  });
});
