import { type ErrorCode, isStoreError, type OptionIssue } from '@agentstore/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Codes a tool error carries: every `StoreError` code (`NOT_FOUND` among them: no such store, domain or
 * tool, SPEC §9.6) and `WRITE_NOT_ALLOWED` (a write tool the server was not started to allow).
 */
export type ToolErrorCode = ErrorCode | 'WRITE_NOT_ALLOWED';

/** An error a tool reports to the client as a result with `isError: true` and a stable `code`. */
export class ToolError extends Error {
  /** Stable machine-readable code. */
  readonly code: ToolErrorCode;

  constructor(code: ToolErrorCode, message: string) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
  }
}

/** A successful tool result: the same JSON as text (for models) and as `structuredContent` (for programs). */
export function okResult(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** A failed tool result `{ error: { code, message, issues? } }`; anything not a known error is `IO`. */
export function errorResult(err: unknown): CallToolResult {
  let error: { code: ToolErrorCode; message: string; issues?: ReadonlyArray<OptionIssue> };
  if (err instanceof ToolError) error = { code: err.code, message: err.message };
  else if (isStoreError(err))
    error = { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues.map(plainIssue) } : {}) };
  else error = { code: 'IO', message: err instanceof Error ? err.message : String(err) };
  const data = { error };
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data, isError: true };
}

function plainIssue(issue: OptionIssue): OptionIssue {
  // zod paths may hold symbols, which JSON cannot carry.
  return {
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
    ...(issue.code ? { code: issue.code } : {}),
  };
}
