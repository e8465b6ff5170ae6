import { StoreError } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type McpServerOptions, type ResolvedMcpOptions, resolveOptions } from './options.js';
import { errorResult, okResult, ToolError } from './result.js';
import { type OpenStore, StoreSession } from './store-session.js';
import type { ToolDef } from './tool.js';
import { TOOLS } from './tools/index.js';

/** Name and version the server reports to clients. */
export const SERVER_INFO = { name: 'agentstore', version: '0.1.0' } as const;

/** The tool as clients see it: JSON Schema of its input, and hints a client may show or act on. */
function describeTool(tool: ToolDef): Tool {
  const { $schema: _, ...schema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: { ...schema, type: 'object' },
    annotations: { readOnlyHint: !tool.write, destructiveHint: tool.name === 'kv_delete' || tool.name === 'kv_put', openWorldHint: false },
  };
}

/**
 * Validates the arguments (zod; `INVALID_OPTIONS` with the issues), checks the write gate, and runs the
 * tool on a store opened for this call.
 */
async function callTool(
  session: StoreSession,
  options: ResolvedMcpOptions,
  tools: ReadonlyMap<string, ToolDef>,
  name: string,
  raw: unknown,
): Promise<CallToolResult> {
  try {
    const tool = tools.get(name);
    if (tool === undefined) {
      const isWrite = TOOLS.some((t) => t.write && t.name === name);
      if (isWrite)
        throw new ToolError(
          'WRITE_NOT_ALLOWED',
          `${name} is a write tool and this server is read-only (start it with --allow-writes --write-domains <names>)`,
        );
      throw new ToolError('NOT_FOUND', `no tool "${name}"`);
    }
    const parsed = tool.input.safeParse(raw ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
      throw new StoreError('INVALID_OPTIONS', `${name}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`, { issues });
    }
    const args = parsed.data as Record<string, unknown> & { domain?: string };
    if (tool.write && (args.domain === undefined || !options.writeDomains.has(args.domain)))
      throw new ToolError(
        'WRITE_NOT_ALLOWED',
        `writes to "${String(args.domain)}" are not allowed (allowed: ${[...options.writeDomains].join(', ')})`,
      );
    const data = await session.run((store) => tool.run({ store, admin: storeAdmin(store), options }, args));
    return okResult(data);
  } catch (err) {
    return errorResult(err);
  }
}

/**
 * An MCP server over an agentstore: read tools for every kind; the write tools only with
 * `allowWrites`, and each write only on a domain in `writeDomains`. Options are checked here
 * (`INVALID_OPTIONS`), before any client connects.
 */
export function createMcpServer(open: OpenStore, options: McpServerOptions = {}): { server: Server; session: StoreSession } {
  const resolved = resolveOptions(options);
  const session = new StoreSession(open);
  const offered = TOOLS.filter((t) => resolved.allowWrites || !t.write);
  const byName = new Map(offered.map((t) => [t.name, t]));
  const listed = offered.map(describeTool);
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: resolved.allowWrites
      ? `agentstore: read tools for every domain; writes allowed only to: ${[...resolved.writeDomains].join(', ')}. Start with list_domains.`
      : 'agentstore (read-only): start with list_domains; listing tools are paged with nextCursor.',
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(session, resolved, byName, request.params.name, request.params.arguments),
  );
  return { server, session };
}

/**
 * Serves the store over stdio until the client closes stdin; resolves once the last call has
 * finished and its store is closed. Nothing but protocol messages goes to stdout.
 */
export async function serveStdio(open: OpenStore, options: McpServerOptions = {}): Promise<void> {
  const { server, session } = createMcpServer(open, options);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // A request read together with the end of stdin is dispatched a microtask later, and its reply is
  // sent a few microtasks after its call finishes: the setImmediate on each side lets both happen
  // before the server closes, so a client that writes its last request and closes stdin gets the reply.
  const stop = (): void => {
    setImmediate(() => {
      void session.idle().then(() => setImmediate(() => void server.close()));
    });
  };
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  await server.connect(new StdioServerTransport());
  await closed;
  await session.idle();
}
