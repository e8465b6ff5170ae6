import type { Key } from '@agentstore/core';
import { z } from 'zod';
import { boundedValue, valueBudget } from '../display.js';
import { decodeCursor, encodeCursor, takePage } from '../paging.js';
import { defineTool, domainSchema, keySchema, pageLimit, pageShape, requireDomain } from '../tool.js';

/** `kv_list`: entries of a kv domain in key order, optionally under a prefix. */
export const kvList = defineTool({
  name: 'kv_list',
  description:
    'List entries (key and value) of a kv domain in key order. A tuple prefix matches itself and its extensions; a string prefix matches string keys starting with it. Paged; values over the page byte limit come back as {"$truncated": true, "bytes", "preview"}.',
  input: z.strictObject({ domain: domainSchema, prefix: keySchema.optional(), ...pageShape }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'kv');
    // The cursor is the last key shown; the store checks it is a key (INVALID_KEY otherwise).
    const after = decodeCursor('kv_list', args.domain, args.cursor) as Key | undefined;
    const limit = pageLimit(ctx, args.limit);
    const candidates: Array<{ key: Key; value: unknown }> = [];
    const range = {
      limit: limit + 1,
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(after === undefined ? {} : { gt: after }),
    };
    for await (const [key, value] of ctx.store.kv(args.domain).entries(range)) {
      candidates.push({ key, value: boundedValue(value, valueBudget(ctx.options.maxBytes, key)) });
    }
    const page = takePage(candidates, limit, ctx.options.maxBytes);
    const last = page.items.at(-1);
    return {
      entries: page.items,
      ...(page.more && last ? { nextCursor: encodeCursor('kv_list', args.domain, last.key) } : {}),
    };
  },
});

/** `kv_get`: one value of a kv domain. */
export const kvGet = defineTool({
  name: 'kv_get',
  description: 'Read one value of a kv domain: {found, value}. A value over the page byte limit comes back truncated.',
  input: z.strictObject({ domain: domainSchema, key: keySchema }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'kv');
    const value = await ctx.store.kv(args.domain).get(args.key);
    return value === undefined ? { found: false } : { found: true, value: boundedValue(value, valueBudget(ctx.options.maxBytes)) };
  },
});
