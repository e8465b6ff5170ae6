import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_ADAPTERS } from '../config-file/config-file.js';
import { StoreError } from '../errors.js';
import type { Adapter } from '../spi/adapter.js';

/** The adapter packages agentstore publishes, by adapter name: what the short forms load by name (one table with config files'). */
export const ADAPTER_PACKAGES = BUILTIN_ADAPTERS;

/** File adapters a bare data directory uses, in order of preference. */
export const FILE_ADAPTERS = ['sqlite', 'lmdb', 'level'] as const;

function isMissing(err: unknown, specifier: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (e.message ?? '').includes(specifier);
}

/**
 * Imports `specifier` as core sees it (an optional peer dependency), then as the application sees it
 * (resolved from the working directory): a strict layout (pnpm) may link a package for the app only.
 */
async function importInstalled(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    if (!isMissing(err, specifier)) throw err;
  }
  let resolved: string;
  try {
    resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
  } catch {
    return undefined;
  }
  return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
}

/** The adapter `name` from its package, or undefined when the package is not installed. */
export async function loadInstalledAdapter(name: string): Promise<Adapter | undefined> {
  const pkg = ADAPTER_PACKAGES[name];
  if (!pkg) return undefined;
  let mod: Record<string, unknown> | undefined;
  try {
    mod = await importInstalled(pkg.module);
  } catch (err) {
    throw new StoreError(
      'UNSUPPORTED',
      `${pkg.module} is installed but failed to load: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  if (mod === undefined) return undefined;
  const adapter = mod[pkg.export ?? ''] as Adapter | undefined;
  if (adapter?.name !== name) throw new StoreError('UNSUPPORTED', `${pkg.module} does not export the ${name} adapter as ${pkg.export}`);
  return adapter;
}

/** The adapter `name`, which must be installed: `UNSUPPORTED` naming the package to install otherwise. */
export async function requireAdapter(name: string): Promise<Adapter> {
  const adapter = await loadInstalledAdapter(name);
  if (adapter) return adapter;
  const pkg = ADAPTER_PACKAGES[name];
  if (!pkg) throw new StoreError('INVALID_ADAPTER', `no adapter package is known for "${name}": pass the adapter in \`adapters\``);
  throw new StoreError('UNSUPPORTED', `the ${name} adapter is not installed: add ${pkg.module} to the application's dependencies`);
}
