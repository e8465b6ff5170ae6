import type { AgentInputItem } from '@openai/agents-core';

/**
 * One record of a session's journal stream. The stream is an operation log: `add` carries one item,
 * `pop` removes the newest item still live before it, `clear` ends everything before it. Operations get
 * their order (a gap-free seq) in the append transaction, so what each `pop` removed is fixed by the
 * entries before it, whichever process wrote them.
 */
export type SessionEntry = { readonly op: 'add'; readonly item: AgentInputItem } | { readonly op: 'pop' } | { readonly op: 'clear' };

/** The record of an added item. */
export const addEntry = (item: AgentInputItem): SessionEntry => ({ op: 'add', item });

/** The record of a `popItem` call. */
export const POP_ENTRY: SessionEntry = { op: 'pop' };

/** The record of a `clearSession` call. */
export const CLEAR_ENTRY: SessionEntry = { op: 'clear' };
