/**
 * @agentstore/core/spi: what adapter authors build on — the adapter and backend contracts, the
 * write-guard helpers, the transaction engine (`CommitQueue` over a `TxEngine`), the shared option
 * schema, the data-directory policy and key helpers.
 */

export { allocBytes } from '../codec/byte-pool.js';
export { commonOptionsSchema, DEFAULT_MAX_VALUE_BYTES } from '../config/common-options.js';
export { assertDomainName, DOMAIN_NAME_PATTERN } from '../domain-name.js';
export * from '../errors.js';
export { compareBytes, decodeKey, encodeKey, prefixUpperBound, rangeToBytes } from '../keys/index.js';
export { applyCounterUpdate } from '../kv/counter-op.js';
export { DataDir, type DataDirEntryKind, type DataDirResolveOptions, resolveInsideDataDir } from '../paths/data-dir.js';
export { fileLockHolders } from '../paths/file-lock-holders.js';
export { dataDirPathSchema } from '../paths/path-option.js';
export { isInsideRelativePath, relativeSegments } from '../paths/relative-path.js';
export type { CounterOp, Key, KeyPart } from '../types.js';
export * from './adapter.js';
export * from './backend.js';
export { type Bound, type Bounds, boundsId, byteId, compareKeys, inBounds, toBounds } from './bounds.js';
export * from './engine/index.js';
export { nativeBindingError } from './native-binding.js';
export { counterUpdatesInTx, enforceWriteGuard } from './write-guard.js';
