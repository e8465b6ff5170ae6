/**
 * @agentstore/core/admin: what tools (the CLI, the MCP server) use — raw export and import, backup,
 * integrity checks and the display form of stored values. Not for application code.
 */

export { toDisplay } from '../codec/display.js';
export {
  type AdapterRef,
  BUILTIN_ADAPTERS,
  type ConfigFile,
  DEFAULT_CONFIG_FILE,
  readConfigFile,
} from '../config-file/config-file.js';
export { type LoadAdaptersOptions, loadAdapters } from '../config-file/load-adapters.js';
export { assertDomainName, DOMAIN_NAME_PATTERN } from '../domain-name.js';
export { MANIFEST_DIR, type Manifest, type ManifestRoute, readManifest } from '../manifest/manifest-file.js';
export { manifestAdapters } from '../manifest/open-store.js';
export type { ImportOptions } from './import-entries.js';
export { type AdapterHookResult, type DomainCheck, type DomainListing, StoreAdmin, storeAdmin } from './store-admin.js';
