import {
  decodeHead,
  decodeInfo,
  encodeHead,
  headKey,
  headRange,
  indexRange,
  recordKey,
  traceOfHeadKey,
} from '../checkpoints/checkpoint-layout.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';

// Checkpoints removed per transaction, so no transaction grows unbounded.
const BATCH = 256;

/**
 * Removes, trace by trace and oldest first, the checkpoints saved before `cutoff` (epoch ms), never a
 * trace's latest: each trace keeps at least its newest checkpoint, and its seq goes on counting.
 * The walk stops at a trace's first checkpoint young enough to keep. With `dryRun` only counts them.
 */
export async function pruneCheckpoints(ctx: StoreContext, d: OpenDomain, cutoff: number, dryRun: boolean): Promise<number> {
  let total = 0;
  for await (const [key] of d.backend.range(headRange('', undefined))) {
    const trace = traceOfHeadKey(key);
    for (;;) {
      const removed = dryRun
        ? await countOld(d, trace, cutoff)
        : await ctx.write(d, 'checkpoints', (tx) => {
            const head = decodeHead(tx.get(key));
            if (head.count <= 1) return 0;
            let n = 0;
            for (const [ik, value] of tx.range({ ...indexRange(trace), limit: Math.min(head.count - 1, BATCH) })) {
              const info = decodeInfo(value);
              if (info.createdAt >= cutoff || info.id === head.latest) break;
              tx.del(ik);
              tx.del(recordKey(info.id));
              n++;
            }
            if (n > 0) tx.put(key, encodeHead({ ...head, count: head.count - n }));
            return n;
          });
      total += removed;
      if (dryRun || removed < BATCH) break;
    }
  }
  return total;
}

/** What a prune of `trace` would remove. */
async function countOld(d: OpenDomain, trace: string, cutoff: number): Promise<number> {
  let n = 0;
  let last: string | undefined;
  for await (const [, value] of d.backend.range(indexRange(trace))) {
    const info = decodeInfo(value);
    if (info.createdAt >= cutoff) break;
    n++;
    last = info.id;
  }
  // The newest of a trace is its latest, kept whatever its age.
  const head = decodeHead(await d.backend.get(headKey(trace)));
  return last !== undefined && last === head.latest ? n - 1 : n;
}
