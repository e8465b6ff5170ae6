import { randomUUID } from 'node:crypto';
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

// A chat's messages live in one journal stream per generation, `m:<generation>:<chatId>`: message i is
// the entry at seq i + 1, so a page is one range read. `saveChat` writes a new generation in one
// append, then switches to it by appending its name to the pointer stream `g:<chatId>` (one append: a
// reader sees the old chat or the new one), then frees the old generation. A chat never saved is in
// generation `0`. An `appendMessages` that races a save lands in the generation it looked up: it is
// ordered before the save, which replaces it.
type ChatEntry = { readonly message: UIMessage } | { readonly generation: string };
const FIRST_GENERATION = '0';
const READ_ATTEMPTS = 5;
const messagesOf = (generation: string, chatId: string) => `m:${generation}:${chatId}`;
const pointerOf = (chatId: string) => `g:${chatId}`;

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
  // Chat ids leave room for the stream prefix and a generation name in a 256-character stream name.
  const checkChatId = (chatId: unknown): void => assertId(chatId, 'chat id', 200);

  /** The chat's current generation. */
  async function generationOf(chatId: string): Promise<string> {
    const [last] = await journal.read(pointerOf(chatId), { reverse: true, limit: 1 });
    return last !== undefined && 'generation' in last.value ? last.value.generation : FIRST_GENERATION;
  }

  /** Replaces the chat's content with `messages` (none: an empty chat). */
  async function replace(chatId: string, messages: readonly M[]): Promise<void> {
    const old = await generationOf(chatId);
    const generation = randomUUID();
    if (messages.length > 0)
      await journal.append(
        messagesOf(generation, chatId),
        messages.map((message) => ({ message })),
      );
    const { lastSeq } = await journal.append(pointerOf(chatId), [{ generation }]);
    // Free what the switch made unreachable; a crash before this leaves it stored but never read.
    await journal.truncateBefore(pointerOf(chatId), lastSeq);
    const oldLast = await journal.lastSeq(messagesOf(old, chatId));
    if (oldLast > 0) await journal.truncateBefore(messagesOf(old, chatId), oldLast + 1);
  }

  return {
    async saveChat({ chatId, messages }) {
      checkChatId(chatId);
      await validated(messages);
      await replace(chatId, messages);
    },

    async appendMessages({ chatId, messages }) {
      checkChatId(chatId);
      await validated(messages);
      if (messages.length === 0) return;
      await journal.append(
        messagesOf(await generationOf(chatId), chatId),
        messages.map((message) => ({ message })),
      );
    },

    async loadChat(chatId, page = {}) {
      checkChatId(chatId);
      assertKnownOptions(page, ['offset', 'limit'], 'loadChat');
      const { offset = 0, limit } = page;
      assertCountOption(offset, 'offset');
      assertCountOption(limit, 'limit');
      if (limit === 0) return [];
      const from = offset + 1;
      for (let attempt = 1; ; attempt++) {
        const generation = await generationOf(chatId);
        const entries = await journal.read(messagesOf(generation, chatId), { fromSeq: from, ...(limit === undefined ? {} : { limit }) });
        // A generation is freed only after a save switched away from it: a page that starts past
        // `from`, or an empty page of a generation that is no longer current, means look it up again.
        if (entries.length > 0 && entries[0]?.seq === from) return entries.map((e) => (e.value as { message: M }).message);
        if (entries.length === 0 && (await generationOf(chatId)) === generation) return [];
        if (attempt === READ_ATTEMPTS) throw new StoreError('CONFLICT', 'the chat kept being replaced while it was read');
      }
    },

    async deleteChat(chatId) {
      checkChatId(chatId);
      await replace(chatId, []);
    },
  };
}
