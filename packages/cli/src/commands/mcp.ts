import { existsSync } from 'node:fs';
import { readConfigFile } from '@agentstore/core/admin';
import { UsageError } from '../output.js';
import { type CommandContext, openFor, parseCount } from './context.js';

/** Options of `agentstore mcp`. */
export interface McpCommandOptions {
  readonly allowWrites?: boolean;
  readonly writeDomains?: string;
  readonly maxBytes?: string;
  readonly maxEntries?: string;
}

/**
 * `mcp`: serves the configured store to an MCP client over stdio until the client closes stdin.
 * `@agentstore/mcp` (and the MCP SDK) load only here, so other commands start as fast as before.
 * A missing data directory is refused rather than created: a read-only server has nothing to show.
 * Without `--allow-writes` every call opens the store read-only (`openStore(dataDir, { readOnly: true })`).
 */
export async function mcp(ctx: CommandContext, opts: McpCommandOptions): Promise<void> {
  const config = readConfigFile(ctx.global.config, ctx.global.dataDir);
  const { resolveOptions, serveStdio } = await import('@agentstore/mcp');
  const maxBytes = parseCount('--max-bytes', opts.maxBytes);
  const maxEntries = parseCount('--max-entries', opts.maxEntries);
  const options = {
    allowWrites: opts.allowWrites === true,
    writeDomains: (opts.writeDomains ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== ''),
    ...(maxBytes === undefined ? {} : { maxBytes }),
    ...(maxEntries === undefined ? {} : { maxEntries }),
  };
  try {
    resolveOptions(options);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (!existsSync(config.dataDir)) throw new UsageError(`no data directory at ${config.dataDir} (give --data-dir or --config)`);
  // Read-only unless writes were allowed: each call opens the store with the routes the data
  // directory records, creating nothing (a domain that does not exist is NOT_FOUND, not made).
  const mode = options.allowWrites ? 'write' : 'read';
  await serveStdio(async () => (await openFor(ctx.global, mode)).store, options);
}
