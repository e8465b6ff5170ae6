/**
 * @agentstore/core: the application API (createStore, the domain handles' types, codecs, errors and
 * the memory adapter). Adapter authors import `@agentstore/core/spi`; tools import `@agentstore/core/admin`.
 */

export { prefixKey } from './artifacts/prefix-keys.js';
export type * from './artifacts/types.js';
export {
  type TypedCheckpoint,
  type TypedCheckpointStore,
  type TypedSaveOptions,
  typedCheckpoints,
} from './checkpoints/typed-checkpoints.js';
export { defaultCodec, jsonCodec, rawCodec } from './codec/index.js';
export { standardCodec, zodCodec } from './codec/standard-codec.js';
export { redactUrl } from './config/store-url.js';
export { DEFAULT_CONFIG_FILE } from './config-file/config-file.js';
export { loadStoreConfig } from './config-file/load-store-config.js';
export { createStore } from './create-store.js';
export * from './errors.js';
export type * from './journal/types.js';
export { type OpenStoreOptions, openStore } from './manifest/open-store.js';
export { type MemoryOptions, memoryAdapter, memoryOptionsSchema } from './memory/memory-adapter.js';
export type { DomainPruneResult, PruneOptions, PruneReport } from './retention/prune-types.js';
export { asyncDispose } from './runtime/dispose.js';
export { OPERATION_CHANNEL, type OperationEvent } from './runtime/observe.js';
export type { DomainOperationStats, OperationFigures } from './runtime/op-stats.js';
export type {
  KvOptions,
  MigrateOptions,
  MigrationProgress,
  MigrationReport,
  MigrationVerification,
  NormalizedRoute,
  RouteConfig,
  Store,
  StoreConfig,
} from './runtime/types.js';
export { defaultDataDir } from './runtime/validate-config.js';
export type * from './snapshots/types.js';
export type { Durability } from './spi/adapter.js';
export * from './types.js';
export type * from './vectors/types.js';
export type * from './versioned/types.js';
