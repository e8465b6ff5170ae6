import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages, type McpSession, startServer, tempDir } from './support/client.js';
import { BIG, EVENTS, NOTES, openStore, seed } from './support/seed.js';

const READ_TOOLS = [
  'artifact_list',
  'artifact_stat',
  'checkpoint_list',
  'checkpoint_traces',
  'journal_read',
  'journal_streams',
  'kv_get',
  'kv_list',
  'list_domains',
  'snapshot_get',
  'versioned_get',
  'versioned_history',
];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let mcp: McpSession;

beforeAll(async () => {
  tmp = await tempDir();
  await seed(tmp.dir);
  mcp = await startServer(['--data-dir', tmp.dir]);
});

afterAll(async () => {
  await mcp?.close();
  await tmp?.remove();
});

describe('agentstore mcp (read-only): tools over a real sqlite store', () => {
  it('lists exactly the read tools, each with an object input schema and a read-only hint', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(READ_TOOLS);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.annotations?.readOnlyHint).toBe(true);
    }
    const kvList = tools.find((t) => t.name === 'kv_list');
    expect(Object.keys(kvList?.inputSchema.properties ?? {}).sort()).toEqual(['cursor', 'domain', 'limit', 'prefix']);
    expect(kvList?.inputSchema.required).toEqual(['domain']);
  });

  it('list_domains: every domain with adapter, kind and record count', async () => {
    const { isError, data } = await mcp.call('list_domains');
    expect(isError).toBe(false);
    const rows = data.domains as Array<{ domain: string; adapter: string; kind: string; records: number; routed: boolean }>;
    const byName = Object.fromEntries(rows.map((r) => [r.domain, r]));
    expect(Object.keys(byName).sort()).toEqual(['blobs', 'catalog', 'events', 'facts', 'memory', 'runs']);
    expect(byName.memory).toMatchObject({ adapter: 'sqlite', kind: 'kv', records: NOTES + 3, routed: true });
    expect(byName.runs?.kind).toBe('checkpoints');
    expect(byName.events?.kind).toBe('journal');
    expect(byName.facts?.kind).toBe('versioned');
    expect(byName.blobs?.kind).toBe('artifacts');
    expect(byName.catalog?.kind).toBe('snapshots');
    // The same figures the store reports itself.
    const store = await openStore(tmp.dir);
    try {
      for (const s of await store.stats()) expect(byName[s.domain]?.records).toBe(s.records);
    } finally {
      await store.close();
    }
  });

  it('kv_list pages through a prefix in key order with a cursor, no entry twice or missed', async () => {
    const { pages, items } = await allPages(mcp, 'kv_list', { domain: 'memory', prefix: ['note'], limit: 10 }, 'entries');
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    const entries = items as Array<{ key: [string, number]; value: { i: number; text: string } }>;
    expect(entries.map((e) => e.key)).toEqual(Array.from({ length: NOTES }, (_, i) => ['note', i]));
    expect(entries[7]?.value).toEqual({ i: 7, text: 'note 7' });
  });

  it('kv_list without a prefix shows tagged values and truncates a value over the page bound', async () => {
    const { data } = await mcp.call('kv_list', { domain: 'memory', prefix: 'p' });
    expect(data.entries).toEqual([{ key: 'profile', value: { name: 'Ada', born: { $date: '1815-12-10T00:00:00.000Z' } } }]);
    const big = await mcp.call('kv_get', { domain: 'memory', key: 'big' });
    const value = big.data.value as { $truncated: boolean; bytes: number; preview: string };
    expect(big.data.found).toBe(true);
    expect(value.$truncated).toBe(true);
    expect(value.bytes).toBe(BIG + 2);
    expect(value.preview.length).toBeLessThanOrEqual(1024);
  });

  it('kv_get reads values and counters; a missing key is found: false', async () => {
    expect((await mcp.call('kv_get', { domain: 'memory', key: ['note', 3] })).data).toEqual({
      found: true,
      value: { i: 3, text: 'note 3' },
    });
    expect((await mcp.call('kv_get', { domain: 'memory', key: 'tokens' })).data).toEqual({ found: true, value: 42 });
    expect((await mcp.call('kv_get', { domain: 'memory', key: 'nope' })).data).toEqual({ found: false });
  });

  it('checkpoint_traces and checkpoint_list: metadata newest first, paged, no data', async () => {
    expect((await mcp.call('checkpoint_traces', { domain: 'runs' })).data).toEqual({ traces: ['t1', 't2'] });
    const traces = await allPages(mcp, 'checkpoint_traces', { domain: 'runs', limit: 1 }, 'traces');
    expect(traces.items).toEqual(['t1', 't2']);
    const { pages, items } = await allPages(mcp, 'checkpoint_list', { domain: 'runs', trace: 't1', limit: 2 }, 'checkpoints');
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const infos = items as Array<Record<string, unknown>>;
    expect(infos.map((c) => c.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(infos[0]).toMatchObject({ traceId: 't1', size: 2, metadata: { step: 5, source: 'loop' }, parentId: infos[1]?.id });
    expect(infos.every((c) => !('data' in c))).toBe(true);
    const filtered = await mcp.call('checkpoint_list', { domain: 'runs', trace: 't1', filter: { step: 2 } });
    expect((filtered.data.checkpoints as Array<{ seq: number }>).map((c) => c.seq)).toEqual([2]);
  });

  it('journal_streams and journal_read: ranges, reverse, paging', async () => {
    expect((await mcp.call('journal_streams', { domain: 'events' })).data).toEqual({
      streams: [
        { stream: 's1', lastSeq: EVENTS },
        { stream: 's2', lastSeq: 2 },
      ],
    });
    const forward = await allPages(mcp, 'journal_read', { domain: 'events', stream: 's1', fromSeq: 5, toSeq: 20, limit: 7 }, 'entries');
    expect(forward.pages.map((p) => p.length)).toEqual([7, 7, 2]);
    const seqs = (forward.items as Array<{ seq: number; value: { n: number }; txTime: number }>).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
    const back = await allPages(mcp, 'journal_read', { domain: 'events', stream: 's1', toSeq: 10, reverse: true, limit: 4 }, 'entries');
    expect((back.items as Array<{ seq: number }>).map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const s2 = await mcp.call('journal_read', { domain: 'events', stream: 's2' });
    expect(s2.data.entries).toMatchObject([
      { seq: 1, validTime: 1000, value: { n: 'a' } },
      { seq: 2, validTime: 1000, value: { n: 'b' } },
    ]);
  });

  it('versioned_history lists every version oldest first, paged; versioned_get answers as of a time', async () => {
    const { pages, items } = await allPages(mcp, 'versioned_history', { domain: 'facts', key: 'city', limit: 3 }, 'versions');
    expect(pages.map((p) => p.length)).toEqual([3, 1]);
    expect(items).toMatchObject([
      { value: 'Paris', validFrom: 100, kind: 'put' },
      { value: 'Berlin', validFrom: 200, kind: 'put' },
      { value: 'Rome', validFrom: 150, validTo: 200, kind: 'correct' },
      { value: 'Oslo', validFrom: 300, kind: 'put' },
    ]);
    expect((await mcp.call('versioned_get', { domain: 'facts', key: 'city', asOfValid: 160 })).data).toEqual({
      found: true,
      value: 'Rome',
    });
    const firstTx = (items[0] as { txTime: number }).txTime;
    const known = await mcp.call('versioned_get', { domain: 'facts', key: 'city', asOfValid: 160, asOfTx: firstTx });
    expect(known.data.found).toBe(true);
    expect((await mcp.call('versioned_get', { domain: 'facts', key: 'town' })).data).toEqual({ found: false });
  });

  it('artifact_list and artifact_stat: metadata in LRU order with usage, without marking blobs used', async () => {
    const before = await mcp.call('artifact_stat', { domain: 'blobs', key: 'a' });
    expect(before.data).toMatchObject({ found: true, stat: { key: 'a', size: 100, tier: 'disk', meta: { model: 'm1' }, leases: 0 } });
    const { pages, items } = await allPages(mcp, 'artifact_list', { domain: 'blobs', limit: 2 }, 'artifacts');
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect((items as Array<{ key: string; size: number }>).map((s) => [s.key, s.size])).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    const first = await mcp.call('artifact_list', { domain: 'blobs', tiers: ['ram'] });
    expect(first.data.usage).toMatchObject({ budgetBytes: 10_000, usedBytes: 600, count: 3 });
    expect((first.data.artifacts as Array<{ key: string }>).map((s) => s.key)).toEqual(['c']);
    const after = await mcp.call('artifact_stat', { domain: 'blobs', key: 'a' });
    expect((after.data.stat as { lastUsed: number }).lastUsed).toBe((before.data.stat as { lastUsed: number }).lastUsed);
    expect((await mcp.call('artifact_stat', { domain: 'blobs', key: 'zz' })).data).toEqual({ found: false });
  });

  it('snapshot_get returns the snapshot and its epoch', async () => {
    expect((await mcp.call('snapshot_get', { domain: 'catalog' })).data).toEqual({
      found: true,
      epoch: 1,
      opts: {},
      snapshot: { tools: ['search', 'fetch'] },
    });
  });
});

describe('agentstore mcp: typed errors (isError with the code)', () => {
  it('a domain that does not exist is NOT_FOUND, and reading it creates nothing', async () => {
    const r = await mcp.call('kv_list', { domain: 'missing' });
    expect(r.isError).toBe(true);
    expect((r.data.error as { code: string }).code).toBe('NOT_FOUND');
    const names = ((await mcp.call('list_domains')).data.domains as Array<{ domain: string }>).map((d) => d.domain);
    expect(names).not.toContain('missing');
  });

  it('the wrong kind is WRONG_KIND, a bad domain name INVALID_DOMAIN, a bad key INVALID_KEY', async () => {
    const codeOf = async (name: string, args: Record<string, unknown>): Promise<unknown> => {
      const r = await mcp.call(name, args);
      expect(r.isError).toBe(true);
      return (r.data.error as { code: string }).code;
    };
    expect(await codeOf('kv_list', { domain: 'events' })).toBe('WRONG_KIND');
    expect(await codeOf('journal_read', { domain: 'memory', stream: 's1' })).toBe('WRONG_KIND');
    expect(await codeOf('kv_get', { domain: 'Bad-Name', key: 'x' })).toBe('INVALID_DOMAIN');
    expect(await codeOf('kv_get', { domain: 'memory', key: 'k'.repeat(2000) })).toBe('INVALID_KEY');
  });

  it('arguments that fail the zod schema are INVALID_OPTIONS with the issues', async () => {
    const r = await mcp.call('kv_list', { domain: 'memory', limit: 0, colour: 'red' });
    expect(r.isError).toBe(true);
    const error = r.data.error as { code: string; issues: Array<{ path: unknown[]; code: string }> };
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.issues.map((i) => i.code).sort()).toEqual(['too_small', 'unrecognized_keys']);
    const missing = await mcp.call('journal_read', { domain: 'events' });
    expect((missing.data.error as { code: string; issues: Array<{ path: unknown[] }> }).issues[0]?.path).toEqual(['stream']);
  });

  it('a forged cursor, or one from another tool or domain, is INVALID_VALUE', async () => {
    const page = await mcp.call('kv_list', { domain: 'memory', prefix: ['note'], limit: 2 });
    const cursor = page.data.nextCursor as string;
    expect(typeof cursor).toBe('string');
    for (const [name, args] of [
      ['kv_list', { domain: 'memory', cursor: 'not-a-cursor' }],
      ['journal_read', { domain: 'events', stream: 's1', cursor }],
      ['kv_list', { domain: 'events', cursor }],
    ] as const) {
      const r = await mcp.call(name, args);
      expect(r.isError, name).toBe(true);
      expect((r.data.error as { code: string }).code, name).toMatch(/INVALID_VALUE|WRONG_KIND/);
    }
    const other = await mcp.call('journal_read', { domain: 'events', stream: 's1', cursor });
    expect((other.data.error as { code: string }).code).toBe('INVALID_VALUE');
    const trace = await mcp.call('checkpoint_list', { domain: 'runs', trace: 't1', limit: 1 });
    const wrongTrace = await mcp.call('checkpoint_list', { domain: 'runs', trace: 't2', cursor: trace.data.nextCursor });
    expect((wrongTrace.data.error as { code: string }).code).toBe('INVALID_VALUE');
  });
});
