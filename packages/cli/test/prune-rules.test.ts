import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from './support/cli.js';
import { openStore, tempDir } from './support/stores.js';

const HOUR = 3_600_000;
const ROUTES = {
  log: { adapter: 'sqlite', options: { maxAge: HOUR } },
  cps: { adapter: 'lmdb', options: { maxAge: HOUR } },
  sess: { adapter: 'level' },
  keep: { adapter: 'sqlite' },
  sess_copy: { adapter: 'sqlite' },
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;
let dataDir: string;

beforeAll(async () => {
  tmp = await tempDir();
  dataDir = join(tmp.dir, 'data');
  config = join(tmp.dir, 'agentstore.config.json');
  await writeFile(config, JSON.stringify({ dataDir: 'data', default: { adapter: 'sqlite' }, domains: ROUTES }, null, 2));
  const store = await openStore(dataDir, ROUTES);
  // What is written a day ago (this process's clock only; the CLI runs on the real one) is old.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - 24 * HOUR);
  await store.journal('log').append('events', ['a', 'b', 'c']);
  await store.checkpoints('cps').save('t1', { data: Uint8Array.of(1) });
  await store.checkpoints('cps').save('t1', { data: Uint8Array.of(2) });
  await store.checkpoints('cps').save('t2', { data: Uint8Array.of(3) });
  await store.kv('sess').put('old', 1, { ttlMs: 1000 });
  await store.journal('keep').append('s', [1]);
  vi.useRealTimers();
  await store.journal('log').append('events', ['d']);
  await store.checkpoints('cps').save('t1', { data: Uint8Array.of(4) });
  await store.kv('sess').put('fresh', 2, { ttlMs: HOUR });
  await store.close();
});

afterAll(async () => {
  await tmp?.remove();
});

describe('agentstore prune (retention rules)', () => {
  it('export leaves expired kv records out and carries the expiry of live ones through import', async () => {
    const file = join(tmp.dir, 'sess.jsonl');
    const out = await cli(['-c', config, '--json', 'export', 'sess', '--out', file]);
    expect(out.code).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ end: true, entries: 3 }); // kind, TTL marker, 'fresh'
    const imported = await cli(['-c', config, 'import', 'sess_copy', file]);
    expect(imported.stderr).not.toMatch(/error/);
    expect(imported.code).toBe(0);
    const store = await openStore(dataDir, ROUTES);
    try {
      const copy = store.kv('sess_copy');
      expect(await copy.get('fresh')).toBe(2);
      expect(await copy.get('old')).toBeUndefined();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 2 * HOUR);
      expect(await copy.get('fresh')).toBeUndefined();
    } finally {
      vi.useRealTimers();
      await store.close();
    }
  });

  it('--dry-run reports what the rules would remove and removes nothing', async () => {
    const r = await cli(['-c', config, '--json', 'prune', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { domain: 'sess', kind: 'kv', adapter: 'level', rule: 'ttl', removed: 1 },
      { domain: 'cps', kind: 'checkpoints', adapter: 'lmdb', rule: 'maxAge', removed: 2 },
      { domain: 'log', kind: 'journal', adapter: 'sqlite', rule: 'maxAge', removed: 3 },
      { domain: 'sess_copy', kind: 'kv', adapter: 'sqlite', rule: 'ttl', removed: 0 },
    ]);
    const again = await cli(['-c', config, '--json', 'prune', 'log', '--dry-run']);
    expect(JSON.parse(again.stdout)).toEqual([{ domain: 'log', kind: 'journal', adapter: 'sqlite', rule: 'maxAge', removed: 3 }]);
  });

  it('removes what the rules say, once, and the data left reads as expected', async () => {
    const r = await cli(['-c', config, '--json', 'prune']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((row: { domain: string; removed: number }) => [row.domain, row.removed])).toEqual([
      ['sess', 1],
      ['cps', 2],
      ['log', 3],
      ['sess_copy', 0],
    ]);
    const plain = await cli(['-c', config, 'prune']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/prune: 0 record\(s\) removed in 4 domain\(s\) with a rule/);
    const store = await openStore(dataDir, ROUTES);
    try {
      expect((await store.journal('log').read('events')).map((e) => [e.seq, e.value])).toEqual([[4, 'd']]);
      expect((await store.checkpoints('cps').list('t1')).map((c) => c.seq)).toEqual([3]);
      expect(await store.checkpoints('cps').list('t2')).toHaveLength(1); // a trace's latest stays
      expect(await store.kv('sess').get('fresh')).toBe(2);
      expect(await store.journal('keep').read('s')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('usage: --keep still needs a domain; a bad domain name is an error', async () => {
    const usage = await cli(['-c', config, 'prune', '--keep', '1']);
    expect(usage.code).toBe(2);
    const bad = await cli(['-c', config, 'prune', 'Bad-Name']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error INVALID_DOMAIN: /);
  });
});
