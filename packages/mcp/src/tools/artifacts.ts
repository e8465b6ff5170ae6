import type { ArtifactStat } from '@agentstore/core';
import { z } from 'zod';
import { cursorOf, decodeCursor, encodeCursor, isOffset, takePage } from '../paging.js';
import { defineTool, domainSchema, pageLimit, pageShape, requireDomain } from '../tool.js';

const tierSchema = z.enum(['ram', 'disk']);

/**
 * `artifact_list`: blob metadata in eviction order (least recently used first), with the domain's
 * usage. None of it marks a blob used. The order is the cache's own: a blob read by the application
 * between two pages moves to the end, so a listing taken while the cache is in use may show a blob
 * twice or skip one.
 */
export const artifactList = defineTool({
  name: 'artifact_list',
  description:
    'List blob metadata of an artifacts domain (key, size, tier, lastUsed, createdAt, meta, leases) in eviction order, least recently used first, with the budgets and bytes in use. Blob bytes are not returned; nothing is marked used. Paged.',
  input: z.strictObject({ domain: domainSchema, tiers: z.array(tierSchema).min(1).optional(), ...pageShape }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'artifacts');
    const offset = cursorOf(decodeCursor('artifact_list', args.domain, args.cursor), isOffset) ?? 0;
    const limit = pageLimit(ctx, args.limit);
    const artifacts = ctx.store.artifacts(args.domain);
    const keys = await artifacts.lru({ limit: offset + limit + 1, ...(args.tiers === undefined ? {} : { tiers: args.tiers }) });
    const stats: ArtifactStat[] = [];
    for (const key of keys.slice(offset, offset + limit)) {
      const stat = await artifacts.stat(key);
      if (stat) stats.push(stat);
    }
    const page = takePage(stats, limit, ctx.options.maxBytes);
    const more = page.more || keys.length > offset + limit;
    return {
      usage: await artifacts.usage(),
      artifacts: page.items,
      ...(more ? { nextCursor: encodeCursor('artifact_list', args.domain, offset + page.items.length) } : {}),
    };
  },
});

/** `artifact_stat`: one blob's metadata. */
export const artifactStat = defineTool({
  name: 'artifact_stat',
  description: "One blob's metadata in an artifacts domain: {found, stat}. Does not mark the blob used.",
  input: z.strictObject({ domain: domainSchema, key: z.string().describe('artifact key') }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'artifacts');
    const stat = await ctx.store.artifacts(args.domain).stat(args.key);
    return stat === undefined ? { found: false } : { found: true, stat };
  },
});
