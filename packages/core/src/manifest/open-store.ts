import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AdapterRef, BUILTIN_ADAPTERS } from '../config-file/config-file.js';
import { loadAdapters } from '../config-file/load-adapters.js';
import { buildStore } from '../create-store.js';
import { StoreError } from '../errors.js';
import type { RouteConfig, Store } from '../runtime/types.js';
import type { Adapter } from '../spi/adapter.js';
import { type Manifest, readManifest } from './manifest-file.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open for reading only: nothing is created, every write rejects with `UNSUPPORTED`. */
  readonly readOnly?: boolean;
  /**
   * Adapters the manifest's routes name (`memory` is always registered). A shipped adapter not given
   * (`sqlite`, `lmdb`, `level`, `postgres`) is imported from the application's dependencies (resolved
   * from the working directory); a custom one must be given.
   */
  readonly adapters?: ReadonlyArray<Adapter>;
  /** Routes that take precedence over the manifest's (a config file's, with options the manifest leaves out). */
  readonly domains?: Readonly<Record<string, RouteConfig>>;
  /** Route of domains the manifest does not list; default the manifest's default route. */
  readonly default?: RouteConfig;
}

/** The adapters a manifest (and the routes given with it) names, for loading only those. */
export function manifestAdapters(manifest: Manifest): string[] {
  const names = new Set(Object.values(manifest.domains).map((r) => r.adapter));
  if (manifest.default) names.add(manifest.default.adapter);
  return [...names].sort();
}

/**
 * Opens the store in `dataDir` with the routes its manifest records (SPEC §9.6): every domain any
 * process opened there, on the adapter and with the non-secret options it was opened with. Rejects
 * with `NOT_FOUND` when `dataDir` holds no store (no directory or no manifest), `INVALID_ADAPTER` when
 * a route names an adapter not given. With `readOnly`, nothing is created, a domain that does not
 * exist rejects with `NOT_FOUND` when used, and every write with `UNSUPPORTED`.
 */
export async function openStore(dataDir: string, options: OpenStoreOptions = {}): Promise<Store> {
  const dir = resolve(dataDir);
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) throw new StoreError('NOT_FOUND', `no agentstore at ${dir}: the directory does not exist`);
  const manifest = readManifest(dir);
  const given = options.domains ?? {};
  if (manifest === undefined && Object.keys(given).length === 0 && options.default === undefined) {
    throw new StoreError(
      'NOT_FOUND',
      `no agentstore at ${dir}: it has no agentstore-manifest (a store records one when it first opens a domain; give its routes for a store written before that)`,
    );
  }
  const adapters = [...(options.adapters ?? [])];
  // Routes to a shipped adapter that was not given: import it from the application's dependencies.
  const passed = new Set(['memory', ...adapters.map((a) => a.name)]);
  const wanted = new Set([...(manifest ? manifestAdapters(manifest) : []), ...Object.values(given).map((r) => r.adapter)]);
  const missing = [...wanted].filter((name) => !passed.has(name) && BUILTIN_ADAPTERS[name] !== undefined);
  if (missing.length > 0) {
    const refs = missing.map((name) => BUILTIN_ADAPTERS[name] as AdapterRef);
    adapters.push(...(await loadAdapters(refs, { configFile: join(process.cwd(), 'package.json') })));
  }
  const registered = new Set(['memory', ...adapters.map((a) => a.name)]);
  const domains: Record<string, RouteConfig> = {};
  for (const [domain, route] of Object.entries(manifest?.domains ?? {})) {
    if (domain in given) continue;
    if (!registered.has(route.adapter)) {
      throw new StoreError(
        'INVALID_ADAPTER',
        `the manifest of ${dir} routes "${domain}" to adapter "${route.adapter}", which was not given`,
      );
    }
    domains[domain] = { adapter: route.adapter, options: { ...route.options } };
  }
  Object.assign(domains, given);
  const fallback =
    options.default ?? (manifest?.default && { adapter: manifest.default.adapter, options: { ...manifest.default.options } });
  const usableDefault = fallback && registered.has(fallback.adapter) ? fallback : undefined;
  return buildStore(
    { dataDir: dir, adapters, domains, ...(usableDefault && { default: usableDefault }) },
    { readOnly: options.readOnly === true },
  );
}
