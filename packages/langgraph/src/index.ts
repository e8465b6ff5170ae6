/** @agentstore/langgraph: a LangGraph.js checkpointer and long-term memory store on agentstore. */

export {
  type AgentstorePutOperation,
  type AgentstorePutOptions,
  AgentstoreStore,
  type AgentstoreStoreOptions,
  type RefreshOption,
} from './agentstore-store.js';
export type { AgentstoreSaverOptions, ResolvedSaverOptions, ResolvedTtl, SaverTtlOptions } from './options.js';
export { AgentstoreSaver } from './saver.js';
export { AGENTSTORE_MIXED_TYPE, AGENTSTORE_TYPE, AgentstoreSerde } from './serde.js';
export type { EmbeddingsLike, EmbedFunction, StoreIndexConfig } from './store-index.js';
export type { StoreTtlConfig } from './store-ttl.js';
