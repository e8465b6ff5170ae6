import { randomUUID } from 'node:crypto';
import { type Journal, type Store, StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';
import type { AgentInputItem, Session } from '@openai/agents-core';
import { liveItemsBackward } from './live-items.js';
import { addEntry, CLEAR_ENTRY, POP_ENTRY, type SessionEntry } from './session-entry.js';

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
 */
export class AgentstoreSession implements Session {
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
}
