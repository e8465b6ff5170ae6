import { z } from 'zod';
import { boundedValue, valueBudget } from '../display.js';
import { cursorOf, decodeCursor, encodeCursor, isText, otherListing, takePage } from '../paging.js';
import { defineTool, domainSchema, pageLimit, pageShape, requireDomain } from '../tool.js';

/** `journal_streams`: stream names of a journal domain with their last seq. */
export const journalStreams = defineTool({
  name: 'journal_streams',
  description: 'List the streams of a journal domain (UTF-8 byte order) with the seq of their last append. Paged.',
  input: z.strictObject({ domain: domainSchema, prefix: z.string().optional().describe('only streams starting with this'), ...pageShape }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'journal');
    const after = cursorOf(decodeCursor('journal_streams', args.domain, args.cursor), isText);
    const limit = pageLimit(ctx, args.limit);
    const journal = ctx.store.journal(args.domain);
    const names = await journal.streams({
      limit: limit + 1,
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(after === undefined ? {} : { after }),
    });
    const rows: Array<{ stream: string; lastSeq: number }> = [];
    // The extra name only tells whether there is more; it needs no lastSeq.
    for (const stream of names.slice(0, limit)) rows.push({ stream, lastSeq: await journal.lastSeq(stream) });
    const page = takePage(rows, limit, ctx.options.maxBytes);
    const last = page.items.at(-1);
    const more = page.more || names.length > limit;
    return { streams: page.items, ...(more && last ? { nextCursor: encodeCursor('journal_streams', args.domain, last.stream) } : {}) };
  },
});

/** Position of `journal_read`: the stream and the next seq bound to read from. */
function isReadPosition(p: unknown): p is { stream: string; seq: number } {
  const o = p as { stream?: unknown; seq?: unknown } | null;
  return o !== null && typeof o === 'object' && typeof o.stream === 'string' && Number.isSafeInteger(o.seq);
}

const seqSchema = z.number().int().min(0);

/** `journal_read`: a range of one stream's entries. */
export const journalRead = defineTool({
  name: 'journal_read',
  description:
    'Read entries {seq, txTime, validTime?, value} of one journal stream; fromSeq/toSeq are inclusive, reverse reads newest first within them. Paged; values over the page byte limit come back truncated.',
  input: z.strictObject({
    domain: domainSchema,
    stream: z.string().describe('stream name (see journal_streams)'),
    fromSeq: seqSchema.optional(),
    toSeq: seqSchema.optional(),
    reverse: z.boolean().optional(),
    ...pageShape,
  }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'journal');
    const position = cursorOf(decodeCursor('journal_read', args.domain, args.cursor), isReadPosition);
    if (position !== undefined && position.stream !== args.stream) throw otherListing();
    const reverse = args.reverse === true;
    let { fromSeq, toSeq } = args;
    // A cursor narrows the range on the side the reading moves towards; the other bound stays the caller's.
    if (position !== undefined && !reverse) fromSeq = Math.max(fromSeq ?? 0, position.seq);
    if (position !== undefined && reverse) toSeq = Math.min(toSeq ?? position.seq, position.seq);
    const limit = pageLimit(ctx, args.limit);
    const entries = await ctx.store.journal(args.domain).read(args.stream, {
      limit: limit + 1,
      reverse,
      ...(fromSeq === undefined ? {} : { fromSeq }),
      ...(toSeq === undefined ? {} : { toSeq }),
    });
    const shown = entries.map((e) => ({ ...e, value: boundedValue(e.value, valueBudget(ctx.options.maxBytes)) }));
    const page = takePage(shown, limit, ctx.options.maxBytes);
    const last = page.items.at(-1);
    const next = last === undefined ? undefined : reverse ? last.seq - 1 : last.seq + 1;
    return {
      entries: page.items,
      ...(page.more && next !== undefined
        ? { nextCursor: encodeCursor('journal_read', args.domain, { stream: args.stream, seq: next }) }
        : {}),
    };
  },
});
