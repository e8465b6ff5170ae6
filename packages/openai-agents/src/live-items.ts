import type { Journal } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import type { SessionEntry } from './session-entry.js';

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
}

/**
 * Walks `stream` newest first from `toSeq` (the tail when undefined) and collects up to `want` live
 * items (all when undefined). An `add` is live unless a later `pop` cancels it: walking backwards, each
 * `pop` cancels the nearest earlier live `add`, which is exactly what a stack does walking forwards. A
 * `clear` ends the walk. The walk reads pages of the journal's key range, so it costs the entries
 * between the tail and the oldest item returned, never the whole stream.
 */
export async function liveItemsBackward(
  journal: Journal<SessionEntry>,
  stream: string,
  toSeq: number | undefined,
  want: number | undefined,
): Promise<LiveItems> {
  const items: AgentInputItem[] = [];
  let pendingPops = 0;
  let upper = toSeq;
  if (want === 0 || upper === 0) return { items, whole: true };
  for (;;) {
    const remaining = want === undefined ? MAX_PAGE : want - items.length + pendingPops + 1;
    const limit = Math.min(MAX_PAGE, Math.max(MIN_PAGE, remaining));
    const page = await journal.read(stream, { reverse: true, limit, ...(upper === undefined ? {} : { toSeq: upper }) });
    for (const { value } of page) {
      if (value.op === 'clear') return { items, whole: true };
      if (value.op === 'pop') pendingPops++;
      else if (pendingPops > 0) pendingPops--;
      else {
        items.push(value.item);
        if (items.length === want) return { items, whole: true };
      }
    }
    const oldest = page.at(-1);
    if (oldest === undefined) return { items, whole: upper === undefined || upper < 1 };
    // A history starts at seq 1 or at a clear marker (truncation keeps the marker); anything else
    // below means a clear truncated entries this walk had not read yet.
    if (page.length < limit) return { items, whole: oldest.seq === 1 };
    if (oldest.seq === 1) return { items, whole: true };
    upper = oldest.seq - 1;
  }
}
