/** @agentstore/langgraph: a LangGraph.js checkpointer and long-term memory store on agentstore. */

export { AgentstoreStore, type AgentstoreStoreOptions } from './agentstore-store.js';
export type { AgentstoreSaverOptions, ResolvedSaverOptions, ResolvedTtl, SaverTtlOptions } from './options.js';
export { AgentstoreSaver } from './saver.js';
export { AGENTSTORE_MIXED_TYPE, AGENTSTORE_TYPE, AgentstoreSerde } from './serde.js';
