/**
 * @agentstore/core/admin: what tools (the CLI, the MCP server) use — raw export and import, backup,
 * integrity checks and the display form of stored values. Not for application code.
 */

export { toDisplay } from '../codec/display.js';
export { assertDomainName, DOMAIN_NAME_PATTERN } from '../domain-name.js';
export type { ImportOptions } from './import-entries.js';
export { type AdapterHookResult, type DomainCheck, type DomainListing, StoreAdmin, storeAdmin } from './store-admin.js';
