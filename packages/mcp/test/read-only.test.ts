import { fileTree } from '@agentstore/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpSession, startServer, tempDir } from './support/client.js';
import { seed } from './support/seed.js';

// Without --allow-writes the server opens the store read-only for every call (SPEC §9.6): the data
// directory is byte for byte the same after a session of reads, and a domain that was never written
// is NOT_FOUND rather than created empty.
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

describe('agentstore mcp opens the store read-only by default', () => {
  it('reads every kind and leaves the data directory as it was', async () => {
    const before = fileTree(tmp.dir);
    expect((await mcp.call('list_domains')).isError).toBe(false);
    expect((await mcp.call('kv_get', { domain: 'memory', key: 'profile' })).isError).toBe(false);
    expect((await mcp.call('checkpoint_traces', { domain: 'runs' })).isError).toBe(false);
    expect((await mcp.call('journal_streams', { domain: 'events' })).isError).toBe(false);
    expect(fileTree(tmp.dir)).toEqual(before);
  });

  it('a never-written domain is NOT_FOUND, and is not created', async () => {
    const before = fileTree(tmp.dir);
    const missing = await mcp.call('kv_list', { domain: 'never_written' });
    expect(missing.isError).toBe(true);
    expect((missing.data.error as { code: string }).code).toBe('NOT_FOUND');
    expect(fileTree(tmp.dir)).toEqual(before);
    const domains = (await mcp.call('list_domains')).data.domains as Array<{ domain: string }>;
    expect(domains.map((d) => d.domain)).not.toContain('never_written');
  });
});
