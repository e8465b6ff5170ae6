import { type Journal, type Store, StoreError } from '@agentstore/core';
import { type UIMessage, validateUIMessages } from 'ai';
import { assertCountOption, assertId, assertKnownOptions, domainOption } from './options.js';

/** Options of {@link createChatStore}. */
export interface ChatStoreOptions {
  /** The journal domain chats live in; default `ai_chats`. */
  readonly domain?: string;
}

/** A page of a chat: messages `offset .. offset + limit - 1` (index 0 is the oldest). */
export interface ChatPage {
  readonly offset?: number;
  readonly limit?: number;
}

/** What a chat store's writes take. */
export interface ChatMessages<M extends UIMessage = UIMessage> {
  readonly chatId: string;
  readonly messages: readonly M[];
}

/** `UIMessage` arrays of the AI SDK, stored per chat id. */
export interface ChatStore<M extends UIMessage = UIMessage> {
  /** Replaces the chat's messages with `messages` in one transaction (validated first). */
  saveChat(input: ChatMessages<M>): Promise<void>;
  /** Appends `messages` after the chat's last message in one transaction (validated first). */
  appendMessages(input: ChatMessages<M>): Promise<void>;
  /** The chat's messages (a page of them with `offset`/`limit`), oldest first; `[]` for an unknown chat. */
  loadChat(chatId: string, page?: ChatPage): Promise<M[]>;
  /** Removes every message of the chat. */
  deleteChat(chatId: string): Promise<void>;
}

// A chat is one journal stream. `reset` starts a new content (saveChat, deleteChat); every other entry
// is one message. After a reset the entries before it are truncated, so a stream starts with its reset
// (or at seq 1) and message i is entry base + 1 + i: a page is one range read.
type ChatEntry = { readonly reset: true } | { readonly message: UIMessage };
const RESET: ChatEntry = { reset: true };
const READ_ATTEMPTS = 5;

/** Validates with the AI SDK's own schema; its error becomes the `cause` of an `INVALID_VALUE`. */
async function validated(messages: unknown): Promise<void> {
  if (!Array.isArray(messages)) throw new StoreError('INVALID_VALUE', 'messages must be an array of UIMessage');
  if (messages.length === 0) return;
  try {
    await validateUIMessages({ messages });
  } catch (cause) {
    throw new StoreError('INVALID_VALUE', `messages are not valid UIMessages: ${(cause as Error).message}`, { cause });
  }
}

/** A {@link ChatStore} on the journal domain `options.domain` (default `ai_chats`) of `store`. */
export function createChatStore<M extends UIMessage = UIMessage>(store: Store, options: ChatStoreOptions = {}): ChatStore<M> {
  assertKnownOptions(options, ['domain'], 'createChatStore');
  const journal: Journal<ChatEntry> = store.journal<ChatEntry>(domainOption(options.domain, 'ai_chats'));

  /** The seq before the chat's first message: its reset entry's, or 0. */
  async function baseOf(chatId: string): Promise<number> {
    const [first] = await journal.read(chatId, { limit: 1 });
    return first !== undefined && 'reset' in first.value ? first.seq : 0;
  }

  const toEntries = (messages: readonly M[]): ChatEntry[] => messages.map((message) => ({ message }));

  return {
    async saveChat({ chatId, messages }) {
      assertId(chatId, 'chat id');
      await validated(messages);
      const { firstSeq } = await journal.append(chatId, [RESET, ...toEntries(messages)]);
      // Readers ignore what precedes the reset (they start at the stream's first entry and retry when
      // they meet a reset); a crash before this leaves entries the next save removes.
      await journal.truncateBefore(chatId, firstSeq);
    },

    async appendMessages({ chatId, messages }) {
      assertId(chatId, 'chat id');
      await validated(messages);
      if (messages.length > 0) await journal.append(chatId, toEntries(messages));
    },

    async loadChat(chatId, page = {}) {
      assertId(chatId, 'chat id');
      assertKnownOptions(page, ['offset', 'limit'], 'loadChat');
      const { offset = 0, limit } = page;
      assertCountOption(offset, 'offset');
      assertCountOption(limit, 'limit');
      if (limit === 0) return [];
      let base = await baseOf(chatId);
      for (let attempt = 1; ; attempt++) {
        const from = base + 1 + offset;
        const entries = await journal.read(chatId, { fromSeq: from, ...(limit === undefined ? {} : { limit }) });
        // A save that replaced the chat since `base` was read shows as a reset in the page (its entries
        // come after it) or as the page's start truncated away; either way read again from the new base.
        const reset = entries.findLast((e) => 'reset' in e.value);
        const truncated = entries.length > 0 && entries[0]?.seq !== from;
        if (reset === undefined && !truncated) return entries.map((e) => (e.value as { message: M }).message);
        if (attempt === READ_ATTEMPTS) throw new StoreError('CONFLICT', 'the chat kept being replaced while it was read');
        base = reset === undefined ? await baseOf(chatId) : reset.seq;
      }
    },

    async deleteChat(chatId) {
      assertId(chatId, 'chat id');
      const { firstSeq } = await journal.append(chatId, [RESET]);
      await journal.truncateBefore(chatId, firstSeq);
    },
  };
}
