import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binArgs, CLI_DIR, type McpSession, startServer, tempDir } from './support/client.js';
import { EVENTS, openStore, seed } from './support/seed.js';

const WRITE_TOOLS = ['journal_append', 'kv_delete', 'kv_put'];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let mcp: McpSession | undefined;

beforeEach(async () => {
  tmp = await tempDir();
  await seed(tmp.dir);
});

afterEach(async () => {
  await mcp?.close();
  mcp = undefined;
  await tmp.remove();
});

function codeOf(r: { isError: boolean; data: Record<string, unknown> }): string | undefined {
  return r.isError ? (r.data.error as { code: string }).code : undefined;
}

/** Runs `agentstore mcp <args>` with stdin closed at once; resolves to its exit code and stderr. */
function runMcp(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, binArgs(['mcp', ...args]), { cwd: CLI_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('agentstore mcp: writes', () => {
  it('are refused without --allow-writes: not listed, WRITE_NOT_ALLOWED when called, nothing written', async () => {
    mcp = await startServer(['--data-dir', tmp.dir]);
    const names = (await mcp.client.listTools()).tools.map((t) => t.name);
    for (const w of WRITE_TOOLS) expect(names).not.toContain(w);
    expect(codeOf(await mcp.call('kv_put', { domain: 'memory', key: 'x', value: 1 }))).toBe('WRITE_NOT_ALLOWED');
    expect(codeOf(await mcp.call('kv_delete', { domain: 'memory', key: 'profile' }))).toBe('WRITE_NOT_ALLOWED');
    expect(codeOf(await mcp.call('journal_append', { domain: 'events', stream: 's1', values: [1] }))).toBe('WRITE_NOT_ALLOWED');
    expect(codeOf(await mcp.call('no_such_tool'))).toBe('NOT_FOUND');
    await mcp.close();
    mcp = undefined;
    const store = await openStore(tmp.dir);
    try {
      expect(await store.kv('memory').get('x')).toBeUndefined();
      expect(await store.kv('memory').has('profile')).toBe(true);
      expect(await store.journal('events').lastSeq('s1')).toBe(EVENTS);
    } finally {
      await store.close();
    }
  });

  it('with --allow-writes go to allow-listed domains only, and land in the store', async () => {
    mcp = await startServer(['--data-dir', tmp.dir, '--allow-writes', '--write-domains', 'memory,events,fresh']);
    const tools = (await mcp.client.listTools()).tools;
    for (const w of WRITE_TOOLS) expect(tools.find((t) => t.name === w)?.annotations?.readOnlyHint).toBe(false);

    expect(await mcp.call('kv_put', { domain: 'memory', key: ['note', 99], value: { text: 'from mcp', tags: ['a'] } })).toEqual({
      isError: false,
      data: { ok: true },
    });
    expect((await mcp.call('kv_get', { domain: 'memory', key: ['note', 99] })).data).toEqual({
      found: true,
      value: { text: 'from mcp', tags: ['a'] },
    });
    expect((await mcp.call('kv_delete', { domain: 'memory', key: 'profile' })).data).toEqual({ deleted: true });
    expect((await mcp.call('kv_delete', { domain: 'memory', key: 'profile' })).data).toEqual({ deleted: false });
    expect((await mcp.call('journal_append', { domain: 'events', stream: 's1', values: [{ n: 'x' }, { n: 'y' }] })).data).toEqual({
      firstSeq: EVENTS + 1,
      lastSeq: EVENTS + 2,
    });
    // An allow-listed domain that does not exist yet is created by its first write.
    expect((await mcp.call('journal_append', { domain: 'fresh', stream: 'log', values: ['hello'], validTime: 5 })).data).toEqual({
      firstSeq: 1,
      lastSeq: 1,
    });

    // Outside the allow-list: refused before the store is touched.
    expect(codeOf(await mcp.call('kv_put', { domain: 'other', key: 'x', value: 1 }))).toBe('WRITE_NOT_ALLOWED');
    expect(codeOf(await mcp.call('journal_append', { domain: 'runs', stream: 's', values: [1] }))).toBe('WRITE_NOT_ALLOWED');
    // Allow-listed but of another kind, or bad input: the store's own codes.
    expect(codeOf(await mcp.call('kv_put', { domain: 'events', key: 'x', value: 1 }))).toBe('WRONG_KIND');
    expect(codeOf(await mcp.call('journal_append', { domain: 'events', stream: 's1', values: [] }))).toBe('INVALID_OPTIONS');
    expect(codeOf(await mcp.call('kv_put', { domain: 'memory', key: [], value: 1 }))).toBe('INVALID_OPTIONS');
    await mcp.close();
    mcp = undefined;

    const store = await openStore(tmp.dir);
    try {
      expect(await store.kv('memory').get(['note', 99])).toEqual({ text: 'from mcp', tags: ['a'] });
      expect(await store.kv('memory').has('profile')).toBe(false);
      expect((await store.journal('events').read('s1', { fromSeq: EVENTS + 1 })).map((e) => e.value)).toEqual([{ n: 'x' }, { n: 'y' }]);
      expect(await store.journal('fresh').read('log')).toMatchObject([{ seq: 1, validTime: 5, value: 'hello' }]);
      const domains = (await store.stats()).map((s) => s.domain);
      expect(domains).not.toContain('other');
      expect(
        await store
          .kv('events' as string)
          .count()
          .catch((e: { code: string }) => e.code),
      ).toBe('WRONG_KIND');
    } finally {
      await store.close();
    }
  });

  it('the command refuses half a write setup and a missing data directory (usage error, exit 2)', async () => {
    // The other option refusals are checked in-process (options.test.ts); these two are the command's own path.
    const [alone, missing] = await Promise.all([
      runMcp(['--data-dir', tmp.dir, '--allow-writes']),
      runMcp(['--data-dir', `${tmp.dir}/nope`]),
    ]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/error USAGE: .*writeDomains/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no data directory/);
  });
});
