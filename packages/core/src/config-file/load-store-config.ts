import type { StoreConfig } from '../runtime/types.js';
import { readConfigFile } from './config-file.js';
import { loadAdapters } from './load-adapters.js';

/**
 * The `createStore` config a config file describes, with the adapters it names imported (resolved
 * from the file's directory): `createStore(await loadStoreConfig())` opens the store the CLI sees.
 */
export async function loadStoreConfig(path?: string): Promise<StoreConfig & { readonly dataDir: string }> {
  const config = readConfigFile(path);
  const adapters = await loadAdapters(config.adapters, { configFile: config.file });
  return {
    dataDir: config.dataDir,
    adapters,
    ...(config.default && { default: config.default }),
    ...(config.domains && { domains: config.domains }),
  };
}
