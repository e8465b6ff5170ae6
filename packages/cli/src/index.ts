/** @agentstore/cli: the `agentstore` command, also callable in-process. */
export { ADAPTER_IMPORTERS, DEFAULT_CONFIG_FILE, KNOWN_ADAPTERS, type LoadedConfig, loadConfig } from './config.js';
export { EXIT } from './output.js';
export { cliVersion, run } from './program.js';
