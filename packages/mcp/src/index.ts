/** @agentstore/mcp: an MCP server (stdio) over an agentstore, read-only unless writes are allowed per domain. */

export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, type McpServerOptions, type ResolvedMcpOptions, resolveOptions } from './options.js';
export { ToolError, type ToolErrorCode } from './result.js';
export { createMcpServer, SERVER_INFO, serveStdio } from './server.js';
export { type OpenStore, StoreSession } from './store-session.js';
