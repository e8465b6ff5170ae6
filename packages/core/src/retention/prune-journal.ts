import { decodeEntry, decodeHead, entryKey, entryPrefix, headRange, seqOfEntryKey, streamOfHeadKey } from '../journal/journal-layout.js';
import { JournalStore } from '../journal/journal-store.js';
import { prefixUpperBound } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';

// Entries read per page while looking for a stream's first entry young enough to keep.
const PAGE = 256;

/**
 * Removes, stream by stream, the entries committed before `cutoff` (epoch ms) with `truncateBefore`:
 * txTime never decreases within a stream, so they are a prefix of it, and later appends keep counting.
 * With `dryRun` only counts them. Returns how many.
 */
export async function pruneJournal(ctx: StoreContext, d: OpenDomain, cutoff: number, dryRun: boolean): Promise<number> {
  const journal = new JournalStore(ctx, d.domain);
  let total = 0;
  for await (const [key, value] of d.backend.range(headRange('', undefined))) {
    const stream = streamOfHeadKey(key);
    const head = decodeHead(value);
    const keepFrom = await firstYoung(d, stream, head.firstSeq, cutoff);
    if (keepFrom <= head.firstSeq) continue;
    total += dryRun ? keepFrom - head.firstSeq : await journal.truncateBefore(stream, keepFrom);
  }
  return total;
}

/** The seq of the stream's first entry committed at or after `cutoff` (one past its last when none is). */
async function firstYoung(d: OpenDomain, stream: string, fromSeq: number, cutoff: number): Promise<number> {
  const prefix = entryPrefix(stream);
  const end = prefixUpperBound(prefix) as Uint8Array;
  let next = fromSeq;
  for (;;) {
    let seen = 0;
    for await (const [key, bytes] of d.backend.range({ gte: entryKey(prefix, next), lt: end, limit: PAGE })) {
      seen++;
      const seq = seqOfEntryKey(key);
      if (decodeEntry(bytes).txTime >= cutoff) return seq;
      next = seq + 1;
    }
    if (seen < PAGE) return next;
  }
}
