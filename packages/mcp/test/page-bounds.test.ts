import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../src/index.js';
import { tempDir } from './support/client.js';
import { NOTES, openStore, seed } from './support/seed.js';

// In-process (the SDK's linked in-memory transports) so the bounds can vary without a process per
// setting; the stdio path is covered by read-tools.test.ts against the real `agentstore mcp`.
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir();
  await seed(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

async function connect(options: { maxBytes?: number; maxEntries?: number }): Promise<Client> {
  const { server } = createMcpServer(() => openStore(tmp.dir), options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bounds-test', version: '0.0.0' });
  await client.connect(clientSide);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; data: Record<string, unknown> }> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  expect(result.isError ?? false).toBe(false);
  return { text, data: JSON.parse(text) as Record<string, unknown> };
}

describe('page bounds', () => {
  it('a page stops at maxBytes and the cursor goes on from there, every entry exactly once', async () => {
    const client = await connect({ maxBytes: 1024 });
    try {
      const keys: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { text, data } = await call(client, 'kv_list', { domain: 'memory', prefix: ['note'], ...(cursor ? { cursor } : {}) });
        expect(Buffer.byteLength(JSON.stringify(data.entries))).toBeLessThanOrEqual(1024);
        expect(text.length).toBeLessThan(2048);
        keys.push(...(data.entries as Array<{ key: unknown }>).map((e) => e.key));
        cursor = data.nextCursor as string | undefined;
        pages++;
      } while (cursor !== undefined && pages < 100);
      expect(pages).toBeGreaterThan(1);
      expect(keys).toEqual(Array.from({ length: NOTES }, (_, i) => ['note', i]));
    } finally {
      await client.close();
    }
  });

  it('maxEntries caps a larger limit, and is the default page size', async () => {
    const client = await connect({ maxEntries: 4 });
    try {
      const asked = await call(client, 'kv_list', { domain: 'memory', prefix: ['note'], limit: 50 });
      expect((asked.data.entries as unknown[]).length).toBe(4);
      expect(typeof asked.data.nextCursor).toBe('string');
      const unasked = await call(client, 'journal_read', { domain: 'events', stream: 's1' });
      expect((unasked.data.entries as unknown[]).length).toBe(4);
    } finally {
      await client.close();
    }
  });

  it('an entry larger than the page bound still comes alone, its value truncated, so paging never stalls', async () => {
    const client = await connect({ maxBytes: 1024 });
    try {
      const { data } = await call(client, 'kv_list', { domain: 'memory', prefix: 'big' });
      const entries = data.entries as Array<{ key: string; value: { $truncated: boolean } }>;
      expect(entries).toHaveLength(1);
      expect(entries[0]?.value.$truncated).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(entries))).toBeLessThanOrEqual(1024);
    } finally {
      await client.close();
    }
  });
});
