import { readFile, rename, writeFile } from 'node:fs/promises';
import type { RouteConfig, StoreConfig } from '@agentstore/core';
import {
  BUILTIN_ADAPTERS,
  type ConfigFile,
  DEFAULT_CONFIG_FILE,
  loadAdapters,
  type Manifest,
  manifestAdapters,
  readConfigFile,
  readManifest,
} from '@agentstore/core/admin';
import type { Adapter } from '@agentstore/core/spi';

export { DEFAULT_CONFIG_FILE };

/**
 * How the CLI imports the adapters it ships with: from its own dependencies, and only when a command
 * needs one (a static `import` of all four made `--help` load PostgreSQL's driver).
 */
export const ADAPTER_IMPORTERS: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  '@agentstore/adapter-sqlite': () => import('@agentstore/adapter-sqlite'),
  '@agentstore/adapter-lmdb': () => import('@agentstore/adapter-lmdb'),
  '@agentstore/adapter-level': () => import('@agentstore/adapter-level'),
  '@agentstore/adapter-postgres': () => import('@agentstore/adapter-postgres'),
};

/** Names of the adapters the CLI ships with (`memory` is always registered by core). */
export const KNOWN_ADAPTERS: readonly string[] = Object.keys(BUILTIN_ADAPTERS);

/** A loaded config: the file it came from, its JSON as written, the data directory's manifest, and what `createStore` takes. */
export interface LoadedConfig {
  readonly file: string;
  readonly exists: boolean;
  readonly json: Record<string, unknown>;
  /** What the data directory records about itself (undefined: no manifest there). */
  readonly manifest: Manifest | undefined;
  readonly store: StoreConfig & { readonly dataDir: string };
}

/** Adapter names the routes of `config` and `manifest` use, and sqlite when it is the implicit default. */
function neededAdapters(config: ConfigFile, manifest: Manifest | undefined): Set<string> {
  const names = new Set<string>(manifest ? manifestAdapters(manifest) : []);
  if (config.default) names.add(config.default.adapter);
  else if (!manifest?.default) names.add('sqlite');
  for (const route of Object.values(config.domains ?? {})) names.add(route.adapter);
  return names;
}

/**
 * Reads the config file (`--config`, else `./agentstore.config.json` when present) and the data
 * directory's manifest, and imports the adapters their routes use, and no other (`all`: every adapter
 * the config names, for commands that go through every backend). A relative `dataDir` is resolved
 * against the config file's directory, so the CLI and the application agree wherever the CLI runs.
 */
export async function loadConfig(path: string | undefined, dataDirOverride?: string, all = false): Promise<LoadedConfig> {
  const config = readConfigFile(path, dataDirOverride);
  const manifest = readManifest(config.dataDir);
  const adapters: Adapter[] = await loadAdapters(config.adapters, {
    configFile: config.file,
    importers: ADAPTER_IMPORTERS,
    ...(all ? {} : { only: neededAdapters(config, manifest) }),
  });
  const store: StoreConfig & { dataDir: string } = {
    dataDir: config.dataDir,
    adapters,
    ...(config.default === undefined ? {} : { default: config.default }),
    ...(config.domains === undefined ? {} : { domains: config.domains }),
  };
  return { file: config.file, exists: config.exists, json: { ...config.json }, manifest, store };
}

/** Domains the config routes explicitly, and those the manifest records. */
export function configuredDomains(config: LoadedConfig): string[] {
  return [...new Set([...Object.keys(config.store.domains ?? {}), ...Object.keys(config.manifest?.domains ?? {})])].sort();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Rewrites the config file with `domain` routed to `route` (write to a temp file, then rename). */
export async function writeRoute(config: LoadedConfig, domain: string, route: RouteConfig): Promise<void> {
  // Read again: the file may have changed since this command started.
  let json = config.json;
  if (config.exists) {
    const text = await readFile(config.file, 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) json = parsed;
  }
  const domains = isObject(json.domains) ? { ...json.domains } : {};
  domains[domain] =
    route.options && Object.keys(route.options).length > 0
      ? { adapter: route.adapter, options: route.options }
      : { adapter: route.adapter };
  const next = { ...json, domains };
  const tmp = `${config.file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
  await rename(tmp, config.file);
}
