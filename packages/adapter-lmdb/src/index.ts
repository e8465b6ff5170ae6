/** @agentstore/adapter-lmdb: the LMDB adapter (lmdb-js on agentstore's fixed engine, built from source). */
// First, before anything imports lmdb: points lmdb's loader at the fixed engine (see select-engine.ts).
import './select-engine.js';

export { lmdbAdapter } from './adapter.js';
export { type LmdbBuildInfo, lmdbBuildInfo } from './build-info.js';
export { type LmdbOptions, type LmdbResolvedOptions, lmdbOptionsSchema } from './options.js';
export { writeLockWakeups as lmdbWriteLockWakeups } from './write-lock-rescue.js';
