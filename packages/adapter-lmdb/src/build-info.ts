import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import 'lmdb';

/** What the install put in place: see patches/lmdb@3.5.6.patch and this package's README. */
export interface LmdbBuildInfo {
  /** The native addon file loaded in this process, when it can be told. */
  readonly addonPath: string | undefined;
  /** True when that file is lmdb's own source build (`build/Release`), not a prebuilt package. */
  readonly sourceBuilt: boolean;
  /** True when that file was compiled from agentstore's patched `mdb.c` (it carries the patch marker). */
  readonly patched: boolean;
}

/** Compiled into the addon by the patch; its presence proves the binary has the txnid-reset guard. */
const PATCH_MARKER = 'agentstore-lmdb-patch:txnid-reset-guard:v1';

let cached: LmdbBuildInfo | undefined;

function same(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** `.node` files mapped into this process (Linux); undefined where /proc is not available. */
function mappedAddons(): string[] | undefined {
  try {
    const lines = readFileSync('/proc/self/maps', 'utf8').split('\n');
    const paths = lines.map((line) => line.slice(line.indexOf('/'))).filter((p) => p.endsWith('.node'));
    return [...new Set(paths)];
  } catch {
    return undefined;
  }
}

/**
 * Tells which LMDB binary this process runs. agentstore's multi-process promise rests on the patched
 * source build; the stock prebuilt binary can lose acknowledged commits while other processes open
 * the environment (ENGINE-NOTES), so tests assert `patched` and the adapter warns when it is false.
 */
export function lmdbBuildInfo(): LmdbBuildInfo {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const lmdbRoot = dirname(dirname(require.resolve('lmdb')));
  // The same resolver lmdb uses to load its addon (it honours LMDB_PREBUILD, build/Release first).
  const loader = createRequire(join(lmdbRoot, 'package.json'))('node-gyp-build-optional-packages') as {
    path(dir: string): string;
  };
  let resolved: string | undefined;
  try {
    resolved = loader.path(lmdbRoot);
  } catch {
    resolved = undefined;
  }
  const mapped = mappedAddons();
  let addonPath = resolved;
  if (mapped) {
    addonPath = (resolved && mapped.find((p) => same(p, resolved))) ?? mapped.find((p) => /lmdb/i.test(p) && existsSync(p));
  }
  const sourceBuilt = addonPath !== undefined && same(addonPath, join(lmdbRoot, 'build', 'Release', 'lmdb.node'));
  let patched = false;
  if (addonPath) {
    try {
      patched = readFileSync(addonPath).includes(PATCH_MARKER);
    } catch {
      patched = false;
    }
  }
  cached = Object.freeze({ addonPath, sourceBuilt, patched });
  return cached;
}
