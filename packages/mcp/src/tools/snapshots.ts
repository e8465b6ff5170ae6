import { z } from 'zod';
import { boundedValue, valueBudget } from '../display.js';
import { defineTool, domainSchema, requireDomain } from '../tool.js';

/** `snapshot_get`: the current snapshot of a snapshots domain and its epoch. */
export const snapshotGet = defineTool({
  name: 'snapshot_get',
  description:
    'Read the current snapshot of a snapshots domain: {found, epoch, opts, snapshot}. A snapshot over the page byte limit comes back as {"$truncated": true, "bytes", "preview"}.',
  input: z.strictObject({ domain: domainSchema }),
  write: false,
  async run(ctx, args) {
    await requireDomain(ctx, args.domain, 'snapshots');
    const current = await ctx.store.snapshots(args.domain).get();
    if (current === undefined) return { found: false, epoch: await ctx.store.snapshots(args.domain).epoch() };
    return {
      found: true,
      epoch: current.epoch,
      opts: current.opts,
      snapshot: boundedValue(current.snapshot, valueBudget(ctx.options.maxBytes)),
    };
  },
});
