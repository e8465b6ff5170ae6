export { lmdbBuildInfo } from './build-info.js';
export type { LmdbBuildInfo } from './build-info.js';
