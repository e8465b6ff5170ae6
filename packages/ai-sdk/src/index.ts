/** @agentstore/ai-sdk: AI SDK chats and resumable streams on agentstore. */
export { type ChatMessages, type ChatPage, type ChatStore, type ChatStoreOptions, createChatStore } from './chat-store.js';
export { createResumableStreamContext, type ResumableStreamContext, type ResumableStreamContextOptions } from './resumable-stream.js';
