import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { postgresAdapter } from '@agentstore/adapter-postgres';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { type RouteConfig, type StoreConfig, StoreError } from '@agentstore/core';
import type { Adapter } from '@agentstore/core/spi';

/** The config file looked for in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'agentstore.config.json';

/** Adapters the CLI ships with, by the name routes use (`memory` is always registered by core). */
export const KNOWN_ADAPTERS: Readonly<Record<string, Adapter>> = {
  sqlite: sqliteAdapter,
  lmdb: lmdbAdapter,
  level: levelAdapter,
  postgres: postgresAdapter,
};

/** A loaded config: the file it came from, its JSON as written, and what `createStore` takes. */
export interface LoadedConfig {
  readonly file: string;
  readonly exists: boolean;
  readonly json: Record<string, unknown>;
  readonly store: StoreConfig & { readonly dataDir: string };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads the plain-data config (`dataDir`, `default`, `domains`, optionally `adapters` as a list of
 * names). A relative `dataDir` is resolved against the config file's directory, so the CLI and the
 * application agree whatever directory the CLI runs in.
 */
export async function loadConfig(path: string | undefined, dataDirOverride?: string): Promise<LoadedConfig> {
  const file = resolve(path ?? DEFAULT_CONFIG_FILE);
  const exists = existsSync(file);
  if (!exists && path !== undefined) throw new StoreError('IO', `config file ${file} does not exist`);
  let json: Record<string, unknown> = {};
  if (exists) {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (!isObject(parsed)) throw new Error('the top level must be an object');
      json = parsed;
    } catch (err) {
      throw new StoreError('INVALID_OPTIONS', `config file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const names = json.adapters === undefined ? Object.keys(KNOWN_ADAPTERS) : json.adapters;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new StoreError('INVALID_OPTIONS', 'config "adapters" must be a list of adapter names');
  }
  const adapters: Adapter[] = [];
  for (const name of names) {
    if (name === 'memory') continue;
    const adapter = KNOWN_ADAPTERS[name];
    if (!adapter)
      throw new StoreError(
        'INVALID_ADAPTER',
        `the CLI knows no adapter "${name}" (it knows: memory, ${Object.keys(KNOWN_ADAPTERS).join(', ')})`,
      );
    adapters.push(adapter);
  }
  const rawDir = dataDirOverride ?? (typeof json.dataDir === 'string' ? json.dataDir : '.agentstore');
  const base = dataDirOverride === undefined ? dirname(file) : process.cwd();
  const dataDir = isAbsolute(rawDir) ? rawDir : resolve(base, rawDir);
  const store: StoreConfig & { dataDir: string } = {
    dataDir,
    adapters,
    ...(json.default === undefined ? {} : { default: json.default as RouteConfig }),
    ...(json.domains === undefined ? {} : { domains: json.domains as Record<string, RouteConfig> }),
  };
  return { file, exists, json, store };
}

/** Domains the config routes explicitly. */
export function configuredDomains(config: LoadedConfig): string[] {
  return Object.keys(config.store.domains ?? {}).sort();
}

/** Rewrites the config file with `domain` routed to `route` (write to a temp file, then rename). */
export async function writeRoute(config: LoadedConfig, domain: string, route: RouteConfig): Promise<void> {
  const domains = isObject(config.json.domains) ? { ...config.json.domains } : {};
  domains[domain] =
    route.options && Object.keys(route.options).length > 0
      ? { adapter: route.adapter, options: route.options }
      : { adapter: route.adapter };
  const next = { ...config.json, domains };
  const tmp = `${config.file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
  await rename(tmp, config.file);
}
