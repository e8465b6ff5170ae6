import type { AgentInputItem } from '@openai/agents-core';

/** A history transaction of the SDK's `applyHistoryTransaction`, as stored (a snapshot of the call's argument). */
export type StoredHistoryTransaction =
  | { readonly type: 'append_items'; readonly items: AgentInputItem[] }
  | { readonly type: 'replace_suffix'; readonly expectedSuffix: AgentInputItem[]; readonly replacement: AgentInputItem[] };

/**
 * One record of a session's journal stream. The stream is an operation log: `add` carries one item,
 * `pop` removes the newest item still live before it, `clear` ends everything before it, `applied`
 * records the id of a history transaction applied by the same append (so a retry is recognised).
 * Operations get their order (a gap-free seq) in the append transaction, so what each `pop` removed is
 * fixed by the entries before it, whichever process wrote them.
 */
export type SessionEntry =
  | { readonly op: 'add'; readonly item: AgentInputItem }
  | { readonly op: 'pop' }
  | { readonly op: 'clear' }
  | { readonly op: 'applied'; readonly id: string; readonly transaction: StoredHistoryTransaction };

/** The record of an added item. */
export const addEntry = (item: AgentInputItem): SessionEntry => ({ op: 'add', item });

/** The record of a `popItem` call. */
export const POP_ENTRY: SessionEntry = { op: 'pop' };

/** The record of a `clearSession` call. */
export const CLEAR_ENTRY: SessionEntry = { op: 'clear' };

/** The record of an applied history transaction. */
export const appliedEntry = (id: string, transaction: StoredHistoryTransaction): SessionEntry => ({ op: 'applied', id, transaction });
