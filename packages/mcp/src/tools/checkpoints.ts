import type { Json } from '@agentstore/core';
import { z } from 'zod';
import { cursorOf, decodeCursor, encodeCursor, isText, otherListing, takePage } from '../paging.js';
import { defineTool, domainSchema, pageLimit, pageShape, requireDomain } from '../tool.js';

/** `checkpoint_traces`: trace ids of a checkpoints domain, in id order. */
export const checkpointTraces = defineTool({
  name: 'checkpoint_traces',
  description: 'List the trace ids (graph runs / threads) of a checkpoints domain, in id order. Paged.',
  input: z.strictObject({ domain: domainSchema, prefix: z.string().optional().describe('only traces starting with this'), ...pageShape }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'checkpoints');
    const after = cursorOf(decodeCursor('checkpoint_traces', args.domain, args.cursor), isText);
    const limit = pageLimit(ctx, args.limit);
    const traces = await ctx.store.checkpoints(args.domain).traces({
      limit: limit + 1,
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(after === undefined ? {} : { after }),
    });
    const page = takePage(traces, limit, ctx.options.maxBytes);
    const last = page.items.at(-1);
    return {
      traces: page.items,
      ...(page.more && last !== undefined ? { nextCursor: encodeCursor('checkpoint_traces', args.domain, last) } : {}),
    };
  },
});

/** Position of `checkpoint_list`: the trace and the last checkpoint shown. */
function isListPosition(p: unknown): p is { trace: string; before: string } {
  const o = p as { trace?: unknown; before?: unknown } | null;
  return o !== null && typeof o === 'object' && typeof o.trace === 'string' && typeof o.before === 'string';
}

/** `checkpoint_list`: a trace's checkpoints with their metadata (not their data), newest first. */
export const checkpointList = defineTool({
  name: 'checkpoint_list',
  description:
    "List a trace's checkpoints newest first: id, seq, parentId, createdAt (epoch ms), size and metadata; the data itself is not returned. `filter` matches metadata keys by deep equality. Paged.",
  input: z.strictObject({
    domain: domainSchema,
    trace: z.string().describe('trace id (see checkpoint_traces)'),
    filter: z.record(z.string(), z.json()).optional().describe('metadata keys and the values they must equal'),
    ...pageShape,
  }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'checkpoints');
    const position = cursorOf(decodeCursor('checkpoint_list', args.domain, args.cursor), isListPosition);
    if (position !== undefined && position.trace !== args.trace) throw otherListing();
    const limit = pageLimit(ctx, args.limit);
    const infos = await ctx.store.checkpoints(args.domain).list(args.trace, {
      limit: limit + 1,
      ...(position === undefined ? {} : { before: position.before }),
      ...(args.filter === undefined ? {} : { filter: args.filter as Record<string, Json> }),
    });
    const page = takePage(infos, limit, ctx.options.maxBytes);
    const last = page.items.at(-1);
    return {
      checkpoints: page.items,
      ...(page.more && last ? { nextCursor: encodeCursor('checkpoint_list', args.domain, { trace: args.trace, before: last.id }) } : {}),
    };
  },
});
