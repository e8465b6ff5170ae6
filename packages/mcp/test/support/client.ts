import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The CLI package: the server runs as `agentstore mcp`, from source, as users start it. */
export const CLI_DIR = join(here, '..', '..', '..', 'cli');
const BIN = join(CLI_DIR, 'src', 'bin.ts');

/** Node arguments that run the `agentstore` bin from source with `args`. */
export function binArgs(args: readonly string[]): string[] {
  return ['--conditions=source', '--import', 'tsx', BIN, ...args];
}

/** A fresh temp directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'agentstore-mcp-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A connected SDK client talking to `agentstore mcp <args>` over stdio. */
export interface McpSession {
  readonly client: Client;
  /** Calls a tool; returns the parsed JSON of its text content and whether it is an error. */
  call(name: string, args?: Record<string, unknown>): Promise<{ isError: boolean; data: Record<string, unknown> }>;
  /** Closes stdin and waits for the server process to go. */
  close(): Promise<void>;
}

/** Starts `agentstore mcp` with `args` (e.g. `['--data-dir', dir]`) and connects the SDK's own client to it. */
export async function startServer(args: readonly string[]): Promise<McpSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: binArgs(['mcp', ...args]), cwd: CLI_DIR, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const client = new Client({ name: 'agentstore-mcp-test', version: '0.0.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`server did not start: ${String(err)}\n${stderr}`);
  }
  return {
    client,
    async call(name, toolArgs = {}) {
      const result = await client.callTool({ name, arguments: toolArgs });
      const content = result.content as Array<{ type: string; text?: string }>;
      const text = content[0]?.type === 'text' ? (content[0].text ?? '') : '';
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(text) as Record<string, unknown>;
      } catch {
        data = { unparsed: text };
      }
      expectSame(data, result.structuredContent);
      return { isError: result.isError === true, data };
    },
    close: () => client.close(),
  };
}

function expectSame(text: unknown, structured: unknown): void {
  if (JSON.stringify(text) !== JSON.stringify(structured))
    throw new Error(`text and structuredContent differ: ${JSON.stringify(text)} vs ${JSON.stringify(structured)}`);
}

/** Every page of a paged tool, following `nextCursor`; fails past `maxPages` (a cursor that never ends). */
export async function allPages(
  session: McpSession,
  name: string,
  args: Record<string, unknown>,
  field: string,
  maxPages = 50,
): Promise<{ pages: unknown[][]; items: unknown[] }> {
  const pages: unknown[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const { isError, data } = await session.call(name, { ...args, ...(cursor === undefined ? {} : { cursor }) });
    if (isError) throw new Error(`${name} failed: ${JSON.stringify(data)}`);
    pages.push(data[field] as unknown[]);
    cursor = data.nextCursor as string | undefined;
    if (cursor === undefined) return { pages, items: pages.flat() };
  }
  throw new Error(`${name}: more than ${maxPages} pages`);
}
