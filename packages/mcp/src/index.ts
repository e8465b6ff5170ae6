/** @agentstore/mcp: an MCP server (stdio) over an agentstore, read-only unless writes are allowed per domain. */
export { createMcpServer, SERVER_INFO, serveStdio } from './server.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, type McpServerOptions, type ResolvedMcpOptions, resolveOptions } from './options.js';
export { type ToolErrorCode, ToolError } from './result.js';
export { type OpenStore, StoreSession } from './store-session.js';
