/** @agentstore/adapter-lmdb: the LMDB adapter (lmdb-js, patched and built from source). */
export { lmdbAdapter } from './adapter.js';
export { type LmdbBuildInfo, lmdbBuildInfo } from './build-info.js';
export { type LmdbOptions, lmdbOptionsSchema } from './options.js';
export { writeLockWakeups as lmdbWriteLockWakeups } from './write-lock-rescue.js';
