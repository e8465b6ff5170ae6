// First: selects the engine before lmdb loads (see select-engine.ts).
import './select-engine.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { ENGINE_ADDON, ENGINE_DIR, forcedStock } from './select-engine.js';
import 'lmdb';

/** Which LMDB engine this process runs: see the package README, "The LMDB engine". */
export interface LmdbBuildInfo {
  /** The native addon file loaded in this process, when it can be told. */
  readonly addonPath: string | undefined;
  /** True when that file was compiled from source on this machine (agentstore's engine or lmdb's own build). */
  readonly sourceBuilt: boolean;
  /** True when that file carries the txnid-reset guard (agentstore's engine build). */
  readonly patched: boolean;
  /** True when `AGENTSTORE_LMDB_ENGINE=stock` asked for the stock engine. */
  readonly forcedStock: boolean;
  /** Why the fixed engine is not in use (undefined when it is); the adapter's warning quotes it. */
  readonly reason: string | undefined;
}

/** Compiled into the engine by scripts/build-engine.mjs; its presence proves the binary has the guard. */
const PATCH_MARKER = 'agentstore-lmdb-patch:txnid-reset-guard:v1';

let cached: LmdbBuildInfo | undefined;

function same(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** Native addons mapped into this process: /proc on Linux, Node's diagnostic report elsewhere. */
function loadedAddons(): string[] | undefined {
  try {
    const lines = readFileSync('/proc/self/maps', 'utf8').split('\n');
    return [...new Set(lines.map((line) => line.slice(line.indexOf('/'))).filter((p) => p.endsWith('.node')))];
  } catch {
    try {
      const report = process.report.getReport() as { sharedObjects?: string[] };
      return report.sharedObjects?.filter((p) => p.endsWith('.node'));
    } catch {
      return undefined;
    }
  }
}

/**
 * True for files lmdb's loader picks: `lmdb.node` of a source build (agentstore's engine or lmdb's own
 * `build/Release`), a platform package's `@lmdb/lmdb-<platform>/*.node`, or lmdb's `prebuilds/`.
 */
function isLmdbAddon(file: string): boolean {
  return basename(file) === 'lmdb.node' || /[\\/]lmdb-[^\\/]+[\\/][^\\/]+\.node$/.test(file) || /[\\/]lmdb[\\/]prebuilds[\\/]/.test(file);
}

/** True when `file` carries the guard: the marker (GCC/Clang builds) or the engine stamp's hash. */
function carriesGuard(file: string): boolean {
  try {
    const bytes = readFileSync(file);
    if (bytes.includes(PATCH_MARKER)) return true;
    if (!same(file, ENGINE_ADDON)) return false;
    const stamp = JSON.parse(readFileSync(join(ENGINE_DIR, 'agentstore-engine.json'), 'utf8')) as { addonSha256?: string };
    return stamp.addonSha256 === createHash('sha256').update(bytes).digest('hex');
  } catch {
    return false;
  }
}

/** Why the engine is not the fixed one, in words a user can act on. */
function whyStock(addonPath: string | undefined): string {
  if (forcedStock) return 'AGENTSTORE_LMDB_ENGINE=stock asked for the stock engine';
  if (existsSync(ENGINE_ADDON)) {
    return process.env.LMDB_PREBUILD !== undefined && !same(process.env.LMDB_PREBUILD, ENGINE_DIR)
      ? `LMDB_PREBUILD=${process.env.LMDB_PREBUILD} selects another addon`
      : `lmdb was loaded (${addonPath ?? 'unknown addon'}) before @agentstore/adapter-lmdb was imported; import the adapter first`;
  }
  try {
    const status = JSON.parse(readFileSync(join(dirname(ENGINE_DIR), 'engine-status.json'), 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return `the install could not build it: ${status.reason.split('\n')[0]}`;
  } catch {
    // no status: the install script did not run
  }
  return "the package's install script, which builds it, did not run (pnpm 10 runs a dependency's build script only once approved; --ignore-scripts skips it)";
}

/**
 * Tells which LMDB binary this process runs. agentstore's multi-process promise rests on its engine
 * build (scripts/build-engine.mjs); the stock binary can lose acknowledged commits while other
 * processes open the environment (ENGINE-NOTES), so without it the adapter runs one process per
 * environment. Computed once per process.
 */
export function lmdbBuildInfo(): LmdbBuildInfo {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let lmdbRoot = dirname(require.resolve('lmdb'));
  while (!existsSync(join(lmdbRoot, 'package.json'))) lmdbRoot = dirname(lmdbRoot);
  const mapped = loadedAddons();
  let addonPath = mapped?.find((p) => isLmdbAddon(p) && existsSync(p));
  if (mapped === undefined) {
    // Nothing tells what is loaded: ask lmdb's resolver (it honours LMDB_PREBUILD, build/Release first).
    const loader = createRequire(join(lmdbRoot, 'package.json'))('node-gyp-build-optional-packages') as { path(dir: string): string };
    try {
      addonPath = loader.path(lmdbRoot);
    } catch {
      addonPath = undefined;
    }
  }
  const sourceBuilt =
    addonPath !== undefined && (same(addonPath, ENGINE_ADDON) || same(addonPath, join(lmdbRoot, 'build', 'Release', 'lmdb.node')));
  const patched = addonPath !== undefined && carriesGuard(addonPath);
  const reason = patched && !forcedStock ? undefined : whyStock(addonPath);
  cached = Object.freeze({ addonPath, sourceBuilt, patched, forcedStock, reason });
  return cached;
}

/** True when this process runs the fixed engine and may share environments with other processes. */
export function fixedEngineLoaded(): boolean {
  const info = lmdbBuildInfo();
  return info.patched && !info.forcedStock;
}
