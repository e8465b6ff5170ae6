/** @agentstore/openai-agents: the OpenAI Agents SDK's session memory on agentstore. */
export { AgentstoreSession, type AgentstoreSessionOptions, DEFAULT_SESSION_DOMAIN } from './agentstore-session.js';
export type { SessionEntry } from './session-entry.js';
