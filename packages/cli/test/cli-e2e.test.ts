import { once } from 'node:events';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startChild, waitForLine } from './support/cli.js';
import { codeOf, openStore, tempDir } from './support/stores.js';

const VALUE = {
  big: 12345678901234567890n,
  at: new Date(Date.UTC(2024, 1, 29, 12)),
  map: new Map<unknown, unknown>([
    [1, 'one'],
    ['k', [1n, new Date(0)]],
  ]),
  set: new Set([1, 'a']),
  bytes: Uint8Array.of(0, 1, 254, 255),
  floats: new Float64Array([1.5, Number.NaN]),
  weird: [undefined, -0, Number.POSITIVE_INFINITY],
  nested: { __proto__: 'plain key', re: /a+b/gi },
};

const ROUTES = {
  runs: { adapter: 'sqlite' },
  runs_copy: { adapter: 'lmdb' },
  cps: { adapter: 'lmdb' },
  cps_copy: { adapter: 'level' },
  log: { adapter: 'level' },
  log_copy: { adapter: 'sqlite' },
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;
let dataDir: string;

async function writeConfig(file: string, dir: string, domains: Record<string, unknown> = ROUTES): Promise<void> {
  await writeFile(file, JSON.stringify({ dataDir: dir, default: { adapter: 'sqlite' }, domains }, null, 2));
}

beforeAll(async () => {
  tmp = await tempDir();
  dataDir = join(tmp.dir, 'data');
  config = join(tmp.dir, 'agentstore.config.json');
  await writeConfig(config, 'data'); // relative: resolved against the config file's directory
  const store = await openStore(dataDir, ROUTES);
  const kv = store.kv('runs');
  await kv.put(['run', 'a', 3], VALUE);
  await kv.put(['run', 'b', 1], 'second');
  await kv.put('plain', 42);
  await kv.updateCounter(['tokens', 'in'], 1200);
  await kv.updateCounter(['tokens', 'out'], 345);
  const cps = store.checkpoints('cps');
  for (let i = 0; i < 5; i++) await cps.save('t1', { data: Uint8Array.of(i), metadata: { step: i } });
  await cps.save('t2', { data: Uint8Array.of(9) });
  await store.journal('log').append('events', ['a', 'b', 'c', 'd']);
  await store.close();
});

afterAll(async () => {
  await tmp.remove();
});

describe('agentstore (the real bin, as a child process)', () => {
  it('inspect / stats lists every domain with adapter, kind, records and counters', async () => {
    const r = await cli(['-c', config, 'stats', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const runs = rows.find((row) => row.domain === 'runs');
    expect(runs).toMatchObject({ adapter: 'sqlite', kind: 'kv', records: 5, status: 'routed' });
    expect(runs?.counters).toEqual({ '["tokens","in"]': 1200, '["tokens","out"]': 345 });
    expect(rows.find((row) => row.domain === 'cps')).toMatchObject({ adapter: 'lmdb', kind: 'checkpoints', records: 6 });
    expect(rows.find((row) => row.domain === 'log')).toMatchObject({ adapter: 'level', kind: 'journal', records: 4 });
    const table = await cli(['-c', config, 'inspect']);
    expect(table.stdout).toMatch(/^DOMAIN\s+ADAPTER\s+KIND\s+RECORDS/);
    expect(table.stdout).toContain('["tokens","in"]=1200');
    expect(table.stderr).toContain("engine lmdb: agentstore's fixed LMDB engine");
  });

  it('ls, get, traces and checkpoints read through the routes', async () => {
    const ls = await cli(['-c', config, 'ls', 'runs', '--prefix', '["run"]', '--limit', '5', '--json']);
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as Array<{ key: unknown }>).map((row) => row.key)).toEqual([
      ['run', 'a', 3],
      ['run', 'b', 1],
    ]);
    const get = await cli(['-c', config, 'get', 'runs', '["run","a",3]']);
    expect(get.code).toBe(0);
    const shown = JSON.parse(get.stdout) as Record<string, unknown>;
    expect(shown.big).toEqual({ $bigint: '12345678901234567890' });
    expect(shown.at).toEqual({ $date: '2024-02-29T12:00:00.000Z' });
    expect(shown.bytes).toEqual({ $bytes: 'AAH+/w==' });
    expect((await cli(['-c', config, 'get', 'runs', 'plain'])).stdout.trim()).toBe('42');
    const traces = await cli(['-c', config, 'traces', 'cps', '--json']);
    expect(JSON.parse(traces.stdout)).toEqual([{ trace: 't1' }, { trace: 't2' }]);
    const list = await cli(['-c', config, 'checkpoints', 'cps', 't1', '--limit', '2', '--json']);
    expect((JSON.parse(list.stdout) as Array<{ seq: number; metadata: unknown }>).map((c) => [c.seq, c.metadata])).toEqual([
      [5, { step: 4 }],
      [4, { step: 3 }],
    ]);
    const lsLog = await cli(['-c', config, 'ls', 'log', '--json']);
    expect(JSON.parse(lsLog.stdout)).toEqual([{ stream: 'events', lastSeq: 4 }]);
  });

  it('export → import round-trips every kind losslessly, across adapters', async () => {
    for (const [from, to] of [
      ['runs', 'runs_copy'],
      ['cps', 'cps_copy'],
      ['log', 'log_copy'],
    ] as const) {
      const file = join(tmp.dir, `${from}.jsonl`);
      const exp = await cli(['-c', config, 'export', from, '--out', file, '--json']);
      expect(exp.code, exp.stderr).toBe(0);
      const imp = await cli(['-c', config, 'import', to, file, '--json']);
      expect(imp.code, imp.stderr).toBe(0);
    }
    const store = await openStore(dataDir, ROUTES);
    expect(await store.kv('runs_copy').get(['run', 'a', 3])).toEqual(VALUE);
    const copied = (await store.kv('runs_copy').get(['run', 'a', 3])) as typeof VALUE;
    expect(copied.bytes).toBeInstanceOf(Uint8Array);
    expect(copied.map.get('k')).toEqual([1n, new Date(0)]);
    expect(Object.is(copied.weird[1], -0)).toBe(true);
    expect(await store.kv('runs_copy').get(['tokens', 'in'])).toBe(1200);
    expect(await store.kv('runs_copy').updateCounter(['tokens', 'in'], 1)).toBe(1201);
    expect(await store.checkpoints('cps_copy').list('t1')).toEqual(await store.checkpoints('cps').list('t1'));
    expect((await store.checkpoints('cps_copy').save('t1', { data: Uint8Array.of(1) })).seq).toBe(6);
    expect(await store.journal('log_copy').read('events')).toEqual(await store.journal('log').read('events'));
    await store.close();
    // Importing into a domain that holds data is refused; a tampered file is refused before any write.
    const again = await cli(['-c', config, 'import', 'runs_copy', join(tmp.dir, 'runs.jsonl')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error CONFLICT: /);
    const text = await readFile(join(tmp.dir, 'runs.jsonl'), 'utf8');
    await writeFile(join(tmp.dir, 'bad.jsonl'), text.replace(/"v":"A/, '"v":"B'));
    const bad = await cli(['-c', config, 'import', 'fresh', join(tmp.dir, 'bad.jsonl')]);
    expect(bad.stderr).toMatch(/^error CORRUPT: /);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prune and truncate', async () => {
    const prune = await cli(['-c', config, 'prune', 'cps', '--keep', '2', '--json']);
    expect(JSON.parse(prune.stdout)).toEqual([
      { trace: 't1', removed: 3 },
      { trace: 't2', removed: 0 },
    ]);
    const truncate = await cli(['-c', config, 'truncate', 'log', 'events', '--before', '3', '--json']);
    expect(JSON.parse(truncate.stdout)).toMatchObject({ removed: 2 });
  });

  it('errors print one line with the code; usage errors exit 2', async () => {
    const wrong = await cli(['-c', config, 'get', 'cps', 'x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error WRONG_KIND: .+\n$/);
    const usage = await cli(['-c', config, 'get', 'runs']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error USAGE: /);
    const noConfig = await cli(['-c', join(tmp.dir, 'missing.json'), 'stats']);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toMatch(/^error NOT_FOUND: config file /);
  });

  it('backup while a writer keeps writing, then restore and verify', async () => {
    const live = await tempDir();
    try {
      const liveConfig = join(live.dir, 'agentstore.config.json');
      await writeConfig(liveConfig, 'data', { runs: { adapter: 'sqlite' }, cps: { adapter: 'lmdb' } });
      const writer = startChild('writer-child.ts', [join(live.dir, 'data')]);
      await waitForLine(writer, /^wrote 400$/);
      const backup = await cli(['-c', liveConfig, 'backup', '--out', join(live.dir, 'backup'), '--json']);
      expect(backup.code, backup.stderr).toBe(0);
      await waitForLine(writer, /^wrote \d*[02468]00$/); // the writer went on during and after the backup
      writer.kill('SIGTERM');
      await once(writer, 'exit');
      const manifest = JSON.parse(backup.stdout) as Array<{ domain: string; entries: number }>;
      expect(manifest.map((m) => m.domain)).toEqual(['cps', 'runs']);
      // Restore into another data directory and check the copy is one consistent point in time.
      const restoredConfig = join(live.dir, 'restored.config.json');
      await writeConfig(restoredConfig, 'restored', { runs: { adapter: 'sqlite' }, cps: { adapter: 'lmdb' } });
      const restore = await cli(['-c', restoredConfig, 'restore', '--from', join(live.dir, 'backup'), '--json']);
      expect(restore.code, restore.stderr).toBe(0);
      expect((JSON.parse(restore.stdout) as Array<{ status: string }>).every((r) => r.status === 'ok')).toBe(true);
      const store = await openStore(join(live.dir, 'restored'), { runs: { adapter: 'sqlite' }, cps: { adapter: 'lmdb' } });
      const last = (await store.kv<number>('runs').get('last')) as number;
      expect(last).toBeGreaterThanOrEqual(400);
      expect(await store.kv('runs').count({ prefix: ['w'] })).toBe(last + 1);
      const cps = await store.checkpoints('cps').list('live', { limit: 1 });
      expect(cps[0]?.seq).toBeGreaterThan(0);
      await store.close();
      const original = await openStore(join(live.dir, 'data'), { runs: { adapter: 'sqlite' } });
      expect(await original.kv<number>('runs').get('last')).toBeGreaterThan(last);
      await original.close();
      // Restoring over a non-empty directory needs --force.
      const refused = await cli(['-c', restoredConfig, 'restore', '--from', join(live.dir, 'backup')]);
      expect(refused.stderr).toMatch(/^error CONFLICT: /);
    } finally {
      await live.remove();
    }
  });

  it('doctor: 0 on a sound store, non-zero on a corrupted SQLite file', async () => {
    const clean = await cli(['-c', config, 'doctor', '--json']);
    expect(clean.code, clean.stdout).toBe(0);
    const rows = JSON.parse(clean.stdout) as Array<{ target: string; status: string; detail: string }>;
    expect(rows.some((r) => r.target === 'adapter sqlite' && r.status === 'ok')).toBe(true);
    const engine = rows.find((r) => r.target === 'adapter lmdb' && r.detail.startsWith('engine: '));
    expect(engine).toMatchObject({ status: 'ok', detail: expect.stringContaining("agentstore's fixed LMDB engine") });
    expect(rows.some((r) => r.target.startsWith('domain runs') && r.status === 'ok')).toBe(true);
    const broken = await tempDir();
    try {
      const brokenConfig = join(broken.dir, 'agentstore.config.json');
      await writeConfig(brokenConfig, 'data', { runs: { adapter: 'sqlite' } });
      const store = await openStore(join(broken.dir, 'data'), { runs: { adapter: 'sqlite' } });
      await store.kv('runs').putMany(Array.from({ length: 3000 }, (_, i) => [['r', i], 'x'.repeat(200)] as const));
      await store.close();
      const file = await open(join(broken.dir, 'data', 'sqlite', 'agentstore.db'), 'r+');
      const { size } = await file.stat();
      await file.write(Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
      await file.close();
      const r = await cli(['-c', brokenConfig, 'doctor']);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/FAULT|error/);
    } finally {
      await broken.remove();
    }
  });

  it('migrate moves the domain, rewrites the config, and the old route gets MOVED', async () => {
    const oldConfig = join(tmp.dir, 'old.config.json');
    await writeFile(oldConfig, await readFile(config));
    const r = await cli(['-c', config, 'migrate', 'runs', '--to', 'lmdb', '--options', '{"durability":"strict"}', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ domain: 'runs', from: 'sqlite', to: 'lmdb', records: 6 });
    const rewritten = JSON.parse(await readFile(config, 'utf8')) as { dataDir: string; domains: Record<string, unknown> };
    expect(rewritten.domains.runs).toEqual({ adapter: 'lmdb', options: { durability: 'strict' } });
    expect(rewritten.dataDir).toBe('data');
    expect((await cli(['-c', config, 'get', 'runs', 'plain'])).stdout.trim()).toBe('42');
    const stale = await cli(['-c', oldConfig, 'get', 'runs', 'plain']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error MOVED: domain "runs" has moved to lmdb/);
    const store = await openStore(dataDir, ROUTES); // still routes runs to sqlite
    expect(await codeOf(store.kv('runs').get('plain'))).toBe('MOVED');
    await store.close();
    const stats = JSON.parse((await cli(['-c', config, 'stats', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(stats.filter((s) => s.domain === 'runs').map((s) => [s.adapter, s.status])).toEqual([
      ['lmdb', 'routed'],
      ['sqlite', 'moved to lmdb'],
    ]);
  });
});
