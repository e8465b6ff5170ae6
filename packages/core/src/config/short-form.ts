import { StoreError } from '../errors.js';
import type { StoreConfig } from '../runtime/types.js';
import type { Adapter } from '../spi/adapter.js';
import { ADAPTER_PACKAGES, FILE_ADAPTERS, loadInstalledAdapter, requireAdapter } from './adapter-packages.js';
import { parseStoreUrl, redactUrl } from './store-url.js';

function invalid(message: string, path: string): StoreError {
  return new StoreError('INVALID_OPTIONS', message, { issues: [{ path: [path], message }] });
}

/**
 * Turns `createStore`'s short forms (a path or URL string, or `{ url }`) into a full config: the URL's
 * adapter becomes the default route and is imported from its package, as is every published adapter a
 * route in `domains` names and `adapters` lacks. A config without `url` is returned as given.
 */
export async function expandShortForm(input: string | StoreConfig | undefined): Promise<StoreConfig> {
  const config = typeof input === 'string' ? { url: input } : (input ?? {});
  if (config === null || typeof config !== 'object' || config.url === undefined) return config;
  const { url, ...rest } = config;
  if (typeof url !== 'string') throw invalid('url must be a string', 'url');
  const parsed = parseStoreUrl(url);
  if (rest.default !== undefined) throw invalid('give either url or default: both name the default route', 'default');
  if (parsed.dataDir !== undefined && rest.dataDir !== undefined) {
    throw invalid(`the store URL ${redactUrl(url)} names a data directory, and so does dataDir`, 'dataDir');
  }
  if (rest.adapters !== undefined && !Array.isArray(rest.adapters))
    throw new StoreError('INVALID_ADAPTER', 'adapters must be an array of adapters');
  const adapters = new Map<string, Adapter>();
  for (const adapter of rest.adapters ?? []) if (typeof adapter?.name === 'string') adapters.set(adapter.name, adapter);
  const name = parsed.adapter ?? (await pickFileAdapter(adapters));
  if (name !== 'memory' && !adapters.has(name)) adapters.set(name, await requireAdapter(name));
  for (const route of Object.values(rest.domains ?? {})) {
    const wanted = (route as { adapter?: unknown } | undefined)?.adapter;
    if (typeof wanted === 'string' && !adapters.has(wanted) && ADAPTER_PACKAGES[wanted]) adapters.set(wanted, await requireAdapter(wanted));
  }
  const dataDir = parsed.dataDir ?? rest.dataDir;
  const options = Object.keys(parsed.options).length > 0 ? { options: { ...parsed.options } } : {};
  return { ...rest, ...(dataDir !== undefined && { dataDir }), adapters: [...adapters.values()], default: { adapter: name, ...options } };
}

/** The first file adapter given or installed (sqlite, then lmdb, then level). */
async function pickFileAdapter(adapters: Map<string, Adapter>): Promise<string> {
  for (const name of FILE_ADAPTERS) if (adapters.has(name)) return name;
  for (const name of FILE_ADAPTERS) {
    const adapter = await loadInstalledAdapter(name);
    if (adapter) {
      adapters.set(name, adapter);
      return name;
    }
  }
  throw new StoreError(
    'UNSUPPORTED',
    'a data directory needs a file adapter, and none is installed: add @agentstore/adapter-sqlite (or -lmdb, -level) to the application',
  );
}
