import type { Journal } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import type { SessionEntry, StoredHistoryTransaction } from './session-entry.js';

// Entries read per range read: enough for the items still wanted plus the pops seen so far, within bounds.
const MIN_PAGE = 16;
const MAX_PAGE = 512;

/** What a backward walk found: live items newest first, and whether the walk saw an untorn history. */
export interface LiveItems {
  readonly items: AgentInputItem[];
  /**
   * False when entries below the walk vanished while it ran (a `clearSession` in another process
   * truncated them): the items are then not a consistent view and the caller reads again.
   */
  readonly whole: boolean;
  /** Seq of the newest entry the walk read (0 when it read none): the stream's last seq at that moment. */
  readonly newestSeq: number;
  /** History transactions applied since the last clear, by operation id (filled when `want` is undefined). */
  readonly applied: Map<string, StoredHistoryTransaction>;
}

/**
 * Walks `stream` newest first from `toSeq` (the tail when undefined) and collects up to `want` live
 * items (all when undefined). An `add` is live unless a later `pop` cancels it: walking backwards, each
 * `pop` cancels the nearest earlier live `add`, which is exactly what a stack does walking forwards. A
 * `clear` ends the walk; `applied` records are collected, never items. The walk reads pages of the
 * journal's key range, so it costs the entries between the tail and the oldest item returned, never
 * the whole stream.
 */
export async function liveItemsBackward(
  journal: Journal<SessionEntry>,
  stream: string,
  toSeq: number | undefined,
  want: number | undefined,
): Promise<LiveItems> {
  const items: AgentInputItem[] = [];
  const applied = new Map<string, StoredHistoryTransaction>();
  let pendingPops = 0;
  let upper = toSeq;
  let newestSeq = 0;
  const found = (whole: boolean): LiveItems => ({ items, whole, newestSeq, applied });
  if (want === 0 || upper === 0) return found(true);
  for (;;) {
    const remaining = want === undefined ? MAX_PAGE : want - items.length + pendingPops + 1;
    const limit = Math.min(MAX_PAGE, Math.max(MIN_PAGE, remaining));
    const page = await journal.read(stream, { reverse: true, limit, ...(upper === undefined ? {} : { toSeq: upper }) });
    if (newestSeq === 0) newestSeq = page[0]?.seq ?? 0;
    for (const { value } of page) {
      if (value.op === 'clear') return found(true);
      if (value.op === 'pop') pendingPops++;
      else if (value.op === 'applied') {
        if (!applied.has(value.id)) applied.set(value.id, value.transaction);
      } else if (value.op !== 'add')
        continue; // a record of a later version: not an item
      else if (pendingPops > 0) pendingPops--;
      else {
        items.push(value.item);
        if (items.length === want) return found(true);
      }
    }
    const oldest = page.at(-1);
    if (oldest === undefined) return found(upper === undefined || upper < 1);
    // A history starts at seq 1 or at a clear marker (truncation keeps the marker); anything else
    // below means a clear truncated entries this walk had not read yet.
    if (page.length < limit) return found(oldest.seq === 1);
    if (oldest.seq === 1) return found(true);
    upper = oldest.seq - 1;
  }
}
