/** @agentstore/core: the SPI, routing, codecs, errors and the memory adapter. */
export * from './errors.js';
export * from './spi/adapter.js';
export * from './spi/backend.js';
export * from './types.js';
export type { KvOptions, NormalizedRoute, RouteConfig, Store, StoreConfig } from './store/types.js';
export { createStore } from './store/agent-store.js';
export type * from './journal/types.js';
export type * from './versioned/types.js';
export type * from './snapshots/types.js';
export type * from './artifacts/types.js';
export { prefixKey } from './artifacts/prefix-keys.js';
export { DOMAIN_NAME_PATTERN, assertDomainName } from './domain-name.js';
export { commonOptionsSchema, DEFAULT_MAX_VALUE_BYTES } from './config/common-options.js';
export { defaultCodec, jsonCodec, rawCodec } from './codec/index.js';
export { zodCodec } from './codec/zod-codec.js';
export { typedCheckpoints, type TypedCheckpoint, type TypedCheckpointStore, type TypedSaveOptions } from './checkpoints/typed-checkpoints.js';
export { compareBytes, decodeKey, encodeKey, prefixUpperBound, rangeToBytes } from './keys/index.js';
export { memoryAdapter, memoryOptionsSchema, type MemoryOptions } from './memory/memory-adapter.js';
