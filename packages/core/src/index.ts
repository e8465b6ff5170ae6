/** @agentstore/core: the SPI, routing, codecs, errors and the memory adapter. */

export { prefixKey } from './artifacts/prefix-keys.js';
export type * from './artifacts/types.js';
export {
  type TypedCheckpoint,
  type TypedCheckpointStore,
  type TypedSaveOptions,
  typedCheckpoints,
} from './checkpoints/typed-checkpoints.js';
export { toDisplay } from './codec/display.js';
export { defaultCodec, jsonCodec, rawCodec } from './codec/index.js';
export { standardCodec, zodCodec } from './codec/standard-codec.js';
export { commonOptionsSchema, DEFAULT_MAX_VALUE_BYTES } from './config/common-options.js';
export {
  type AdapterRef,
  BUILTIN_ADAPTERS,
  type ConfigFile,
  DEFAULT_CONFIG_FILE,
  readConfigFile,
} from './config-file/config-file.js';
export { type LoadAdaptersOptions, loadAdapters } from './config-file/load-adapters.js';
export { loadStoreConfig } from './config-file/load-store-config.js';
export { assertDomainName, DOMAIN_NAME_PATTERN } from './domain-name.js';
export * from './errors.js';
export type * from './journal/types.js';
export { compareBytes, decodeKey, encodeKey, prefixUpperBound, rangeToBytes } from './keys/index.js';
export { applyCounterUpdate } from './kv/counter-op.js';
export { MANIFEST_DIR, type Manifest, type ManifestRoute, readManifest } from './manifest/manifest-file.js';
export { manifestAdapters, type OpenStoreOptions, openStore } from './manifest/open-store.js';
export { type MemoryOptions, memoryAdapter, memoryOptionsSchema } from './memory/memory-adapter.js';
export { type AdapterHookResult, type DomainCheck, type DomainListing, StoreAdmin, storeAdmin } from './migrate/admin.js';
export type { MigrateOptions, MigrationProgress, MigrationReport, MigrationVerification } from './migrate/types.js';
export { DataDir, type DataDirEntryKind, type DataDirResolveOptions, resolveInsideDataDir } from './paths/data-dir.js';
export { isInsideRelativePath, relativeSegments } from './paths/relative-path.js';
export type * from './snapshots/types.js';
export * from './spi/adapter.js';
export * from './spi/backend.js';
export { nativeBindingError } from './spi/native-binding.js';
export { counterUpdatesInTx, enforceWriteGuard } from './spi/write-guard.js';
export { createStore } from './store/agent-store.js';
export type { KvOptions, NormalizedRoute, RouteConfig, Store, StoreConfig } from './store/types.js';
export * from './types.js';
export type * from './versioned/types.js';
