import type { DomainKind, Store } from '@agentstore/core';
import { assertDomainName, type StoreAdmin } from '@agentstore/core/admin';
import { z } from 'zod';
import type { ResolvedMcpOptions } from './options.js';
import { ToolError } from './result.js';

/** What a tool runs with: the store opened for this call, its admin view and the server options. */
export interface ToolContext {
  readonly store: Store;
  readonly admin: StoreAdmin;
  readonly options: ResolvedMcpOptions;
}

/** One MCP tool: its input schema (zod, also listed to clients as JSON Schema) and what it does. */
export interface ToolDef<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly input: S;
  /** Write tools are listed and callable only with `allowWrites`, and only on allow-listed domains. */
  readonly write: boolean;
  run(ctx: ToolContext, args: z.output<S>): Promise<Record<string, unknown>>;
}

/** Declares a tool (keeps `args` typed by its schema). */
export function defineTool<S extends z.ZodObject>(def: ToolDef<S>): ToolDef<S> {
  return def;
}

/** A kv / versioned key as JSON: a string, a number, or a tuple of them. */
export const keySchema = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])).min(1)])
  .describe('a key: a string, a number, or a tuple such as ["run", "r1", 3]');

/** The domain argument every tool takes. */
export const domainSchema = z.string().describe('domain name (see list_domains)');

/** Paging arguments of listing tools. */
export const pageShape = {
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  limit: z.number().int().min(1).optional().describe('entries per page (capped by the server maximum)'),
};

/** Entries to return for a requested `limit`: the server maximum when absent or larger. */
export function pageLimit(ctx: ToolContext, limit: number | undefined): number {
  return Math.min(limit ?? ctx.options.maxEntries, ctx.options.maxEntries);
}

/**
 * Checks that `domain` is a valid name, exists on its route and holds `kind` (or no kind yet), so
 * reads of a misspelt domain say `NOT_FOUND` instead of answering "empty", and a read of another
 * kind says `WRONG_KIND`. Writes (`mayCreate`) may start a new domain.
 */
export async function requireDomain(ctx: ToolContext, domain: string, kind: DomainKind, mayCreate = false): Promise<void> {
  assertDomainName(domain);
  const route = ctx.store.adapterOf(domain);
  const listing = (await ctx.admin.domains()).find((l) => l.domain === domain && l.adapter === route);
  if (listing === undefined) {
    if (mayCreate) return;
    throw new ToolError('NOT_FOUND', `no domain "${domain}" on its route (${route}) in this store`);
  }
  if (listing.kind !== undefined && listing.kind !== kind && listing.movedTo === undefined)
    throw new ToolError('WRONG_KIND', `domain "${domain}" holds ${listing.kind}, not ${kind}`);
}
