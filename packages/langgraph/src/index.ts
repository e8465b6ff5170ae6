/** @agentstore/langgraph: a LangGraph.js checkpointer and long-term memory store on agentstore. */
export { AgentstoreSaver } from './saver.js';
export type { AgentstoreSaverOptions, ResolvedSaverOptions } from './options.js';
export { AgentstoreSerde, AGENTSTORE_MIXED_TYPE, AGENTSTORE_TYPE } from './serde.js';
export { AgentstoreStore, type AgentstoreStoreOptions } from './agentstore-store.js';
