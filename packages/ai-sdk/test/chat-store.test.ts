import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, isStoreError, type Store } from '@agentstore/core';
import type { UIMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChatStore } from '../src/index.js';

const msg = (id: string, role: 'user' | 'assistant' = 'user'): UIMessage => ({
  id,
  role,
  parts: [{ type: 'text', text: `text of ${id}` }],
});
const ids = (messages: UIMessage[]) => messages.map((m) => m.id);

describe.each(['memory', 'sqlite'])('createChatStore on %s', (adapter) => {
  let store: Store;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentstore-ai-sdk-chat-'));
    store = await createStore({ dataDir: dir, adapters: [sqliteAdapter], default: { adapter } });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves, appends and loads messages exactly, in order', async () => {
    const chats = createChatStore(store);
    const rich: UIMessage = {
      id: 'm2',
      role: 'assistant',
      metadata: { model: 'mock', at: 1 },
      parts: [
        { type: 'step-start' },
        { type: 'text', text: 'héllo', state: 'done' },
        { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Oslo' }, output: { c: -3 } },
      ],
    };
    await chats.saveChat({ chatId: 'c', messages: [msg('m1'), rich] });
    await chats.appendMessages({ chatId: 'c', messages: [msg('m3'), msg('m4', 'assistant')] });
    expect(await chats.loadChat('c')).toEqual([msg('m1'), rich, msg('m3'), msg('m4', 'assistant')]);
    expect(await chats.loadChat('unknown')).toEqual([]);
  });

  it('pages by message', async () => {
    const chats = createChatStore(store);
    await chats.appendMessages({ chatId: 'p', messages: Array.from({ length: 10 }, (_, i) => msg(`m${i}`)) });
    expect(ids(await chats.loadChat('p', { limit: 3 }))).toEqual(['m0', 'm1', 'm2']);
    expect(ids(await chats.loadChat('p', { offset: 3, limit: 3 }))).toEqual(['m3', 'm4', 'm5']);
    expect(ids(await chats.loadChat('p', { offset: 8 }))).toEqual(['m8', 'm9']);
    expect(await chats.loadChat('p', { offset: 10 })).toEqual([]);
  });

  it('replaces the whole chat on saveChat, and pages the new content from 0', async () => {
    const chats = createChatStore(store);
    await chats.appendMessages({ chatId: 'r', messages: ['a', 'b', 'c', 'd'].map((id) => msg(id)) });
    await chats.saveChat({ chatId: 'r', messages: [msg('a'), msg('x', 'assistant')] });
    expect(ids(await chats.loadChat('r'))).toEqual(['a', 'x']);
    expect(ids(await chats.loadChat('r', { offset: 1, limit: 5 }))).toEqual(['x']);
    expect(await store.journal('ai_chats').read('m:0:r')).toEqual([]); // the replaced messages are freed
    await chats.appendMessages({ chatId: 'r', messages: [msg('y')] });
    expect(ids(await chats.loadChat('r'))).toEqual(['a', 'x', 'y']);
    await chats.deleteChat('r');
    expect(await chats.loadChat('r')).toEqual([]);
  });

  it('reads the new content when a save by another process switched to it but did not free the old one', async () => {
    const chats = createChatStore(store);
    await chats.appendMessages({ chatId: 'w', messages: ['a', 'b', 'c'].map((id) => msg(id)) });
    // What saveChat writes before it frees the old messages: the new generation, then the switch.
    const journal = store.journal('ai_chats');
    await journal.append('m:gen1:w', [{ message: msg('n1') }, { message: msg('n2') }]);
    await journal.append('g:w', [{ generation: 'gen1' }]);
    expect(ids(await chats.loadChat('w'))).toEqual(['n1', 'n2']);
    expect(ids(await chats.loadChat('w', { offset: 1, limit: 1 }))).toEqual(['n2']);
  });

  it('rejects messages the AI SDK’s schema rejects, writing nothing', async () => {
    const chats = createChatStore(store);
    await chats.saveChat({ chatId: 'v', messages: [msg('ok')] });
    const bad = [msg('fine'), { id: 'no-parts', role: 'user' } as unknown as UIMessage];
    await expect(chats.appendMessages({ chatId: 'v', messages: bad })).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    await expect(chats.saveChat({ chatId: 'v', messages: [{ ...msg('r'), role: 'robot' } as never] })).rejects.toSatisfy((e) =>
      isStoreError(e, 'INVALID_VALUE'),
    );
    expect(ids(await chats.loadChat('v'))).toEqual(['ok']);
    await expect(chats.loadChat('', {})).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    await expect(chats.loadChat('v', { offset: -1 })).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    expect(() => createChatStore(store, { domain: 'Nope' })).toThrow(expect.objectContaining({ code: 'INVALID_DOMAIN' }));
  });
});
