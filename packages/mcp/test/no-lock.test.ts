import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { levelAdapter } from '@agentstore/adapter-level';
import { createStore, type Store } from '@agentstore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpSession, startServer, tempDir } from './support/client.js';

// A LevelDB location belongs to one process: the server must not hold it between calls, or it would
// lock the application out for as long as the MCP client keeps it running.
let tmp: Awaited<ReturnType<typeof tempDir>>;
let mcp: McpSession;
let config: string;

function openApp(): Promise<Store> {
  return createStore({ dataDir: join(tmp.dir, 'data'), adapters: [levelAdapter], domains: { log: { adapter: 'level' } } });
}

beforeAll(async () => {
  tmp = await tempDir();
  config = join(tmp.dir, 'agentstore.config.json');
  await writeFile(config, JSON.stringify({ dataDir: 'data', domains: { log: { adapter: 'level' } } }));
  const app = await openApp();
  await app.kv('log').put('first', 1);
  await app.close();
  mcp = await startServer(['--config', config]);
});

afterAll(async () => {
  await mcp?.close();
  await tmp?.remove();
});

describe('agentstore mcp beside an application on LevelDB', () => {
  it('holds no lock between calls; while the application holds it, a call is LOCKED, then works again', async () => {
    expect((await mcp.call('kv_list', { domain: 'log' })).data).toEqual({ entries: [{ key: 'first', value: 1 }] });
    // The application opens the location after the server has read it: no LOCKED.
    const app = await openApp();
    try {
      await app.kv('log').put('second', 2);
      const locked = await mcp.call('kv_list', { domain: 'log' });
      expect(locked.isError).toBe(true);
      expect((locked.data.error as { code: string }).code).toBe('LOCKED');
    } finally {
      await app.close();
    }
    expect((await mcp.call('kv_list', { domain: 'log' })).data).toEqual({
      entries: [
        { key: 'first', value: 1 },
        { key: 'second', value: 2 },
      ],
    });
  });
});
