import { StoreError } from '@agentstore/core';
import type { AgentInputItem, SessionHistoryMutation, SessionHistoryTransactionArgs } from '@openai/agents-core';
import type { StoredHistoryTransaction } from './session-entry.js';

const fail = (message: string): never => {
  throw new StoreError('INVALID_VALUE', message);
};

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function items(value: unknown, what: string): AgentInputItem[] {
  if (!Array.isArray(value)) return fail(`${what} must be an array of items`);
  for (const item of value) if (!isRecord(item)) fail(`every item of ${what} must be an object`);
  return [...value] as AgentInputItem[];
}

/**
 * Checks `applyHistoryTransaction`'s argument (operation id non-empty, a known transaction type with
 * exactly its fields) and returns the id and the transaction as they will be stored; `INVALID_VALUE`
 * before anything is read or written otherwise.
 */
export function historyTransactionInput(args: SessionHistoryTransactionArgs): { id: string; transaction: StoredHistoryTransaction } {
  if (!isRecord(args)) return fail('applyHistoryTransaction takes { operationId, transaction }');
  const { operationId, transaction } = args as Record<string, unknown>;
  if (typeof operationId !== 'string' || operationId.trim() === '' || operationId.length > 1024 || !operationId.isWellFormed())
    fail('operationId must be a non-empty well-formed string of at most 1,024 characters');
  if (!isRecord(transaction)) return fail('transaction must be an object');
  const fields = Object.keys(transaction).sort().join(',');
  const id = operationId as string;
  if (transaction.type === 'append_items' && fields === 'items,type')
    return { id, transaction: { type: 'append_items', items: items(transaction.items, 'items') } };
  if (transaction.type === 'replace_suffix' && fields === 'expectedSuffix,replacement,type') {
    return {
      id,
      transaction: {
        type: 'replace_suffix',
        expectedSuffix: items(transaction.expectedSuffix, 'expectedSuffix'),
        replacement: items(transaction.replacement, 'replacement'),
      },
    };
  }
  return fail('transaction is { type: "append_items", items } or { type: "replace_suffix", expectedSuffix, replacement }');
}

/** Checks `applyHistoryMutations`'s mutations (each a `replace_function_call` with a callId and a function_call item). */
export function historyMutationsInput(mutations: unknown): SessionHistoryMutation[] {
  if (!Array.isArray(mutations)) return fail('applyHistoryMutations takes { mutations: [...] }');
  for (const m of mutations) {
    if (!isRecord(m) || m.type !== 'replace_function_call' || typeof m.callId !== 'string')
      fail('a mutation is { type: "replace_function_call", callId, replacement }');
    const replacement = (m as Record<string, unknown>).replacement;
    if (!isRecord(replacement) || replacement.type !== 'function_call')
      fail('a replace_function_call replacement must be a function_call item');
  }
  return [...mutations] as SessionHistoryMutation[];
}

/**
 * Applies `mutations` to `history` (chronological) as the SDK defines them: every `function_call` item
 * with the mutation's callId is removed, and the replacement takes the place of the first of them.
 */
export function applyMutations(history: readonly AgentInputItem[], mutations: readonly SessionHistoryMutation[]): AgentInputItem[] {
  let next = [...history];
  for (const m of mutations) {
    let placed = false;
    next = next.flatMap((item) => {
      if (item.type !== 'function_call' || item.callId !== m.callId) return [item];
      if (placed) return [];
      placed = true;
      return [m.replacement];
    });
  }
  return next;
}
