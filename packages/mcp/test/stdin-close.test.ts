import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binArgs, CLI_DIR, tempDir } from './support/client.js';
import { seed } from './support/seed.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir();
  await seed(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

describe('agentstore mcp: end of stdin', () => {
  it('answers requests written together with the end of stdin, then exits 0 by itself', async () => {
    const child = spawn(process.execPath, binArgs(['mcp', '--data-dir', tmp.dir]), { cwd: CLI_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const messages = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'kv_get', arguments: { domain: 'memory', key: 'tokens' } } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'journal_streams', arguments: { domain: 'events' } } },
    ];
    // One write with the end: the last requests arrive in the same chunk as EOF.
    child.stdin.end(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    const replies = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; result: { structuredContent?: Record<string, unknown> } });
    expect(replies.map((r) => r.id).sort()).toEqual([1, 2, 3]);
    expect(replies.find((r) => r.id === 2)?.result.structuredContent).toEqual({ found: true, value: 42 });
  });
});
