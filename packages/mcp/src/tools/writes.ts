import { z } from 'zod';
import { defineTool, domainSchema, keySchema, requireDomain } from '../tool.js';

/** `kv_put`: stores one JSON value (write tool). */
export const kvPut = defineTool({
  name: 'kv_put',
  description: 'Store a JSON value under a key of a kv domain (replacing what was there). Only on domains the server allows writes to.',
  input: z.strictObject({ domain: domainSchema, key: keySchema, value: z.json().describe('any JSON value') }),
  write: true,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'kv', true);
    await ctx.store.kv(args.domain).put(args.key, args.value);
    return { ok: true };
  },
});

/** `kv_delete`: removes one key (write tool). */
export const kvDelete = defineTool({
  name: 'kv_delete',
  description: 'Delete a key of a kv domain: {deleted} is false when it was absent. Only on domains the server allows writes to.',
  input: z.strictObject({ domain: domainSchema, key: keySchema }),
  write: true,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'kv');
    return { deleted: await ctx.store.kv(args.domain).delete(args.key) };
  },
});

/** `journal_append`: appends JSON values to a stream, atomically (write tool). */
export const journalAppend = defineTool({
  name: 'journal_append',
  description:
    'Append JSON values (at least one) to a journal stream atomically: {firstSeq, lastSeq}. validTime (epoch ms) is stored with every value. Only on domains the server allows writes to.',
  input: z.strictObject({
    domain: domainSchema,
    stream: z.string(),
    values: z.array(z.json()).min(1),
    validTime: z.number().optional(),
  }),
  write: true,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'journal', true);
    return {
      ...(await ctx.store
        .journal(args.domain)
        .append(args.stream, args.values, args.validTime === undefined ? {} : { validTime: args.validTime })),
    };
  },
});
