import { z } from 'zod';
import { boundedValue, valueBudget } from '../display.js';
import { cursorOf, decodeCursor, encodeCursor, otherListing, takePage } from '../paging.js';
import { defineTool, domainSchema, keySchema, pageLimit, pageShape, requireDomain } from '../tool.js';

/** Position of `versioned_history`: the key (as JSON) and how many versions were shown. */
function isHistoryPosition(p: unknown): p is { key: string; offset: number } {
  const o = p as { key?: unknown; offset?: unknown } | null;
  return o !== null && typeof o === 'object' && typeof o.key === 'string' && Number.isSafeInteger(o.offset) && (o.offset as number) >= 0;
}

/** `versioned_history`: every version of one key, oldest first. */
export const versionedHistory = defineTool({
  name: 'versioned_history',
  description:
    'List every recorded version of one key of a versioned domain, oldest first (commit order): {value, txTime, validFrom, validTo?, kind: put|correct|retract; a retraction has no value}. Paged.',
  input: z.strictObject({ domain: domainSchema, key: keySchema, ...pageShape }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'versioned');
    const keyText = JSON.stringify(args.key);
    const position = cursorOf(decodeCursor('versioned_history', args.domain, args.cursor), isHistoryPosition);
    if (position !== undefined && position.key !== keyText) throw otherListing();
    const offset = position?.offset ?? 0;
    // history() reads the whole key; a key's versions are few next to a page, so slicing here is enough.
    const versions = await ctx.store.versioned(args.domain).history(args.key);
    const shown = versions
      .slice(offset, offset + pageLimit(ctx, args.limit) + 1)
      .map((v) => (v.kind === 'retract' ? v : { ...v, value: boundedValue(v.value, valueBudget(ctx.options.maxBytes)) }));
    const page = takePage(shown, pageLimit(ctx, args.limit), ctx.options.maxBytes);
    return {
      versions: page.items,
      ...(page.more
        ? { nextCursor: encodeCursor('versioned_history', args.domain, { key: keyText, offset: offset + page.items.length }) }
        : {}),
    };
  },
});

const timeSchema = z.number().describe('epoch milliseconds');

/** `versioned_get`: what was known at `asOfTx` about valid time `asOfValid`. */
export const versionedGet = defineTool({
  name: 'versioned_get',
  description:
    'Read one key of a versioned domain as known at transaction time asOfTx about valid time asOfValid (both epoch ms, default now): {found, value}.',
  input: z.strictObject({ domain: domainSchema, key: keySchema, asOfTx: timeSchema.optional(), asOfValid: timeSchema.optional() }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'versioned');
    const value = await ctx.store.versioned(args.domain).get(args.key, {
      ...(args.asOfTx === undefined ? {} : { asOfTx: args.asOfTx }),
      ...(args.asOfValid === undefined ? {} : { asOfValid: args.asOfValid }),
    });
    return value === undefined ? { found: false } : { found: true, value: boundedValue(value, valueBudget(ctx.options.maxBytes)) };
  },
});
