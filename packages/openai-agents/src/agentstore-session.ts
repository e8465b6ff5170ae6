import { randomUUID } from 'node:crypto';
import { isStoreError, type Journal, type Store, StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';
import type {
  AgentInputItem,
  SessionHistoryRewriteArgs,
  SessionHistoryRewriteAwareSession,
  SessionHistoryTransactionArgs,
  SessionHistoryTransactionAwareSession,
} from '@openai/agents-core';
import { applyMutations, historyMutationsInput, historyTransactionInput } from './history-input.js';
import { type LiveItems, liveItemsBackward } from './live-items.js';
import { sameValue } from './same-value.js';
import { addEntry, appliedEntry, CLEAR_ENTRY, POP_ENTRY, type SessionEntry } from './session-entry.js';

/** Options of {@link AgentstoreSession}. */
export interface AgentstoreSessionOptions {
  /** The conversation's id (1..256 characters); a random UUID when absent. */
  readonly sessionId?: string;
  /** The journal domain every session lives in; default `agent_sessions`. Route it like any domain. */
  readonly domain?: string;
}

/** Default journal domain of sessions. */
export const DEFAULT_SESSION_DOMAIN = 'agent_sessions';

// A read that meets entries truncated under it by a concurrent clear starts over; after a clear the
// history is short, so a second attempt all but always succeeds.
const READ_ATTEMPTS = 5;
const KNOWN_OPTIONS = new Set(['sessionId', 'domain']);

/** Throws `INVALID_VALUE` unless `id` can name a journal stream. */
function assertSessionId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length < 1 || id.length > 256 || !id.isWellFormed())
    throw new StoreError('INVALID_VALUE', 'a session id is a well-formed string of 1 to 256 characters');
}

/**
 * The OpenAI Agents SDK's `Session` on an agentstore journal domain: one stream per session, holding
 * an operation log (item added, item popped, session cleared) with gap-free seqs assigned in each
 * append's transaction. Every call is one append or a bounded backward read, so sessions survive
 * restarts and can be shared by processes on one data directory (SQLite, LMDB, PostgreSQL domains).
 * It also implements the SDK's optional history hooks: idempotent history transactions, compaction
 * and function-call rewrites, each one conditional append (it commits only if the stream is unchanged
 * since it was read, and is retried otherwise).
 */
export class AgentstoreSession implements SessionHistoryTransactionAwareSession, SessionHistoryRewriteAwareSession {
  readonly #journal: Journal<SessionEntry>;
  readonly #id: string;

  constructor(store: Store, options: AgentstoreSessionOptions = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new StoreError('INVALID_OPTIONS', 'AgentstoreSession options must be an object');
    const unknown = Object.keys(options).filter((k) => !KNOWN_OPTIONS.has(k));
    if (unknown.length > 0) throw new StoreError('INVALID_OPTIONS', `unknown AgentstoreSession option(s): ${unknown.join(', ')}`);
    const domain = options.domain ?? DEFAULT_SESSION_DOMAIN;
    assertDomainName(domain);
    const id = options.sessionId ?? randomUUID();
    assertSessionId(id);
    this.#journal = store.journal<SessionEntry>(domain);
    this.#id = id;
  }

  /** The session's id (given or generated). */
  async getSessionId(): Promise<string> {
    return this.#id;
  }

  /**
   * The newest `limit` items (all when undefined) in chronological order; `limit <= 0` gives `[]`. Reads
   * backwards from the tail, so the cost follows `limit` (plus pops among them), not the history's length.
   */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && !Number.isSafeInteger(limit)) throw new StoreError('INVALID_VALUE', 'limit must be an integer');
    if (limit !== undefined && limit <= 0) return [];
    for (let attempt = 1; ; attempt++) {
      const { items, whole } = await liveItemsBackward(this.#journal, this.#id, undefined, limit);
      if (whole) return items.reverse();
      if (attempt === READ_ATTEMPTS) throw new StoreError('CONFLICT', 'the session kept being cleared while it was read');
    }
  }

  /** Appends `items` in order, all in one transaction (each is checked by the codec before anything is written). */
  async addItems(items: AgentInputItem[]): Promise<void> {
    if (!Array.isArray(items)) throw new StoreError('INVALID_VALUE', 'addItems takes an array of items');
    if (items.length === 0) return;
    await this.#journal.append(this.#id, items.map(addEntry));
  }

  /**
   * Removes and returns the newest item, or undefined when there is none. The removal is one append of
   * a pop record; the item it removed is the newest one live before that record, so concurrent pops and
   * adds from any process each take effect exactly once, in commit order.
   */
  async popItem(): Promise<AgentInputItem | undefined> {
    const { lastSeq } = await this.#journal.append(this.#id, [POP_ENTRY]);
    // Only a clear committed after this pop can truncate what the walk reads: the item is gone either way.
    const { items } = await liveItemsBackward(this.#journal, this.#id, lastSeq - 1, 1);
    return items[0];
  }

  /** Empties the session in one append (a clear record), then frees the entries before it. */
  async clearSession(): Promise<void> {
    const { lastSeq } = await this.#journal.append(this.#id, [CLEAR_ENTRY]);
    // A crash before this leaves dead entries below the marker; reads stop at the marker, and the next
    // clear removes them.
    await this.#journal.truncateBefore(this.#id, lastSeq);
  }

  /**
   * Applies an SDK history transaction atomically and idempotently: the items appended (or the suffix
   * replaced) and the operation id are one append. Repeating an id with the same transaction does
   * nothing; with a different one, or with a suffix that no longer matches, it is `CONFLICT` and
   * nothing changes. Ids are remembered until `clearSession`. Reads the live history back to the last
   * clear, as `getItems()` does.
   */
  async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
    const { id, transaction } = historyTransactionInput(args);
    await this.#conditionally((state) => {
      const earlier = state.applied.get(id);
      if (earlier !== undefined) {
        if (!sameValue(earlier, transaction))
          throw new StoreError('CONFLICT', `history operation ${id} was already applied with a different transaction`);
        return undefined;
      }
      if (transaction.type === 'append_items') return [appliedEntry(id, transaction), ...transaction.items.map(addEntry)];
      const history = [...state.items].reverse();
      const n = transaction.expectedSuffix.length;
      const suffix = n === 0 ? [] : history.slice(-n);
      if (n > history.length || !sameValue(suffix, transaction.expectedSuffix))
        throw new StoreError('CONFLICT', 'the session history no longer ends with the expected suffix');
      return [appliedEntry(id, transaction), ...suffix.map(() => POP_ENTRY), ...transaction.replacement.map(addEntry)];
    });
  }

  /** Replaces the whole history with `items` (a compaction marker and what it keeps), in one append. */
  async replaceHistoryWithCompaction(items: AgentInputItem[]): Promise<void> {
    if (!Array.isArray(items)) throw new StoreError('INVALID_VALUE', 'replaceHistoryWithCompaction takes an array of items');
    await this.#rebuild(() => items);
  }

  /** Rewrites function-call items as the SDK's mutations say (the history is rewritten in one append). */
  async applyHistoryMutations(args: SessionHistoryRewriteArgs): Promise<void> {
    const mutations = historyMutationsInput(args?.mutations);
    if (mutations.length === 0) return;
    await this.#rebuild((history) => applyMutations(history, mutations));
  }

  // Rewrites the history as a clear record, the operation ids applied so far, and `next(history)`;
  // then frees what lies before the clear record (a crash before that only leaves dead entries).
  async #rebuild(next: (history: AgentInputItem[]) => AgentInputItem[]): Promise<void> {
    const firstSeq = await this.#conditionally((state) => {
      const history = [...state.items].reverse();
      const replacement = next(history);
      if (sameValue(replacement, history)) return undefined;
      const carried = [...state.applied].map(([opId, tx]) => appliedEntry(opId, tx));
      return [CLEAR_ENTRY, ...carried, ...replacement.map(addEntry)];
    });
    if (firstSeq !== undefined) await this.#journal.truncateBefore(this.#id, firstSeq);
  }

  /**
   * Reads the live history, asks `plan` for the records to append (undefined: nothing to do) and
   * appends them only if the stream's last seq is still the one read; retried when another writer got
   * there first. Resolves with the first appended seq.
   */
  async #conditionally(plan: (state: LiveItems) => SessionEntry[] | undefined): Promise<number | undefined> {
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      const state = await liveItemsBackward(this.#journal, this.#id, undefined, undefined);
      if (!state.whole) continue;
      const entries = plan(state);
      if (entries === undefined) return undefined;
      try {
        const { firstSeq } = await this.#journal.append(this.#id, entries, { expectLastSeq: state.newestSeq });
        return firstSeq;
      } catch (err) {
        if (!isStoreError(err) || err.code !== 'CONFLICT') throw err;
      }
    }
    throw new StoreError('CONFLICT', 'the session kept changing while a history change was applied');
  }
}
