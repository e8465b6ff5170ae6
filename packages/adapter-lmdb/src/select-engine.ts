import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Evaluated before anything in this package imports lmdb (every module that imports lmdb imports this
// one first): lmdb's loader (node-gyp-build-optional-packages) reads LMDB_PREBUILD when lmdb is first
// imported and then loads `<LMDB_PREBUILD>/build/Release/*.node` instead of the stock prebuilt binary.

/** The directory the install script builds agentstore's LMDB engine into (`<package>/engine`). */
export const ENGINE_DIR = fileURLToPath(new URL('../engine', import.meta.url));

/** The engine's native addon, present once the install script has built it. */
export const ENGINE_ADDON = fileURLToPath(new URL('../engine/build/Release/lmdb.node', import.meta.url));

/** Set to `stock` to run lmdb's stock engine (tests of the single-process fallback). */
export const FORCE_STOCK_VAR = 'AGENTSTORE_LMDB_ENGINE';

/** True when the user asked for the stock engine through `AGENTSTORE_LMDB_ENGINE=stock`. */
export const forcedStock = process.env[FORCE_STOCK_VAR] === 'stock';

// A user's own LMDB_PREBUILD wins; an engine that was never built is not pointed at (the loader would
// then find no addon there and fail instead of falling back to the prebuilt one).
if (forcedStock) {
  // Inherited from a parent process that selected the engine: the stock engine was asked for here.
  if (process.env.LMDB_PREBUILD === ENGINE_DIR) delete process.env.LMDB_PREBUILD;
} else if (process.env.LMDB_PREBUILD === undefined && existsSync(ENGINE_ADDON)) {
  process.env.LMDB_PREBUILD = ENGINE_DIR;
}
