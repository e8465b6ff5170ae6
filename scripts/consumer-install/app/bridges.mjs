// Consumer check of the framework bridges, run inside a fresh app that installed the packed packages
// with each framework as the peer the user brings: an OpenAI Agents session and an AI SDK chat on
// SQLite, written, closed, reopened and read back.
// Usage: node bridges.mjs <dataDir>. Prints one JSON line; exits non-zero on any mismatch.
import assert from 'node:assert/strict';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createChatStore } from '@agentstore/ai-sdk';
import { createStore } from '@agentstore/core';
import { AgentstoreSession } from '@agentstore/openai-agents';

const dataDir = process.argv[2];
const config = { dataDir, adapters: [sqliteAdapter] };
const items = [
  { role: 'user', content: 'hello' },
  { role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hi' }] },
  { role: 'user', content: 'bye' },
];
const messages = [
  { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hello' }] },
  { id: 'm2', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] },
];

const store = await createStore(config);
await new AgentstoreSession(store, { sessionId: 's1' }).addItems(items);
await createChatStore(store).saveChat({ chatId: 'c1', messages });
await store.close();

const reopened = await createStore(config);
const session = new AgentstoreSession(reopened, { sessionId: 's1' });
assert.deepEqual(await session.getItems(2), items.slice(1));
assert.deepEqual(await session.popItem(), items[2]);
assert.deepEqual(await session.getItems(), items.slice(0, 2));
const chats = createChatStore(reopened);
assert.deepEqual(await chats.loadChat('c1'), messages);
assert.deepEqual(await chats.loadChat('c1', { offset: 1, limit: 1 }), messages.slice(1));
await reopened.close();
console.log(JSON.stringify({ ok: true, sessionItems: 2, chatMessages: messages.length }));
