/** @agentstore/adapter-level: the classic-level (LevelDB) adapter of agentstore. */
export { levelAdapter } from './adapter.js';
export { type LevelOptions, levelOptionsSchema, type ResolvedLevelOptions } from './options.js';
