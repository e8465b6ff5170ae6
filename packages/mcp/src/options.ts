import { StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/admin';
import { z } from 'zod';

/** Default upper bound of one page's JSON, in bytes (a page always holds at least one entry). */
export const DEFAULT_MAX_BYTES = 64 * 1024;
/** Default (and largest allowed `limit`) number of entries per page. */
export const DEFAULT_MAX_ENTRIES = 100;

const optionsSchema = z.strictObject({
  /** Registers the write tools; every write must also name an allow-listed domain. */
  allowWrites: z.boolean().default(false),
  /** Domains the write tools may change; required (non-empty) with `allowWrites`, refused without it. */
  writeDomains: z.array(z.string()).default([]),
  /** Upper bound of one page's JSON in bytes. */
  maxBytes: z.number().int().min(1024).default(DEFAULT_MAX_BYTES),
  /** Upper bound (and default) of entries per page. */
  maxEntries: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_ENTRIES),
});

/** Options of the MCP server, as callers give them. */
export type McpServerOptions = z.input<typeof optionsSchema>;

/** Options with defaults filled, checked and frozen. */
export interface ResolvedMcpOptions {
  readonly allowWrites: boolean;
  readonly writeDomains: ReadonlySet<string>;
  readonly maxBytes: number;
  readonly maxEntries: number;
}

/**
 * Checks and freezes the options. Writes need both switches: `allowWrites` alone would open every
 * domain, and an allow-list without `allowWrites` is most likely a mistake, so both are refused with
 * `INVALID_OPTIONS` rather than guessed at.
 */
export function resolveOptions(options: McpServerOptions = {}): ResolvedMcpOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
    throw new StoreError('INVALID_OPTIONS', `mcp server options: ${parsed.error.issues.map((i) => i.message).join('; ')}`, { issues });
  }
  const o = parsed.data;
  for (const domain of o.writeDomains) assertDomainName(domain);
  if (o.allowWrites && o.writeDomains.length === 0)
    throw new StoreError('INVALID_OPTIONS', 'allowWrites needs writeDomains: name the domains the client may change');
  if (!o.allowWrites && o.writeDomains.length > 0)
    throw new StoreError('INVALID_OPTIONS', 'writeDomains is set but allowWrites is not: writes stay off unless both are given');
  return Object.freeze({
    allowWrites: o.allowWrites,
    writeDomains: new Set(o.writeDomains),
    maxBytes: o.maxBytes,
    maxEntries: o.maxEntries,
  });
}
