import { resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { memoryAdapter } from '../memory/memory-adapter.js';
import type { Adapter } from '../spi/adapter.js';
import type { RouteConfig, StoreConfig } from './types.js';

/** A config checked for shape, with the adapter registry built and the dataDir made absolute. */
export interface CheckedConfig {
  readonly dataDir: string;
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly defaultRoute: RouteConfig;
  readonly domains: Readonly<Record<string, RouteConfig>>;
}

function invalid(message: string, path: string): StoreError {
  return new StoreError('INVALID_OPTIONS', message, { issues: [{ path: [path], message }] });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isAdapter(value: unknown): value is Adapter {
  const a = value as Partial<Adapter> | null;
  return (
    a !== null &&
    typeof a === 'object' &&
    typeof a.name === 'string' &&
    typeof a.open === 'function' &&
    typeof a.optionsSchema?.safeParse === 'function' &&
    typeof a.capabilities === 'object'
  );
}

/** `AGENTSTORE_DATA_DIR` when set (never required), else `.agentstore` in the working directory. */
export function defaultDataDir(): string {
  const fromEnv = process.env.AGENTSTORE_DATA_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '.agentstore';
}

/** Checks the shape of a `createStore` config; routes themselves are validated by the router. */
export function validateConfig(config: StoreConfig): CheckedConfig {
  if (!isPlainObject(config)) throw invalid('createStore takes a config object', 'config');
  const known = new Set(['dataDir', 'adapters', 'default', 'domains']);
  for (const key of Object.keys(config)) if (!known.has(key)) throw invalid(`unknown config key "${key}"`, key);
  const dataDir = config.dataDir ?? defaultDataDir();
  if (typeof dataDir !== 'string' || dataDir.length === 0 || dataDir.includes('\u0000')) {
    throw invalid('dataDir must be a non-empty path', 'dataDir');
  }
  const adapters = new Map<string, Adapter>([[memoryAdapter.name, memoryAdapter]]);
  const list = config.adapters ?? [];
  if (!Array.isArray(list)) throw new StoreError('INVALID_ADAPTER', 'adapters must be an array of adapters');
  for (const adapter of list) {
    if (!isAdapter(adapter)) throw new StoreError('INVALID_ADAPTER', 'an adapter is an object { name, optionsSchema, capabilities, open }');
    const existing = adapters.get(adapter.name);
    if (existing && existing !== adapter) throw new StoreError('INVALID_ADAPTER', `two different adapters are named "${adapter.name}"`);
    adapters.set(adapter.name, adapter);
  }
  const domains: unknown = config.domains ?? {};
  if (!isPlainObject(domains)) throw invalid('domains must map domain names to routes', 'domains');
  const defaultRoute: RouteConfig = (config.default as RouteConfig | undefined) ?? {
    adapter: adapters.has('sqlite') ? 'sqlite' : 'memory',
  };
  return { dataDir: resolve(dataDir), adapters, defaultRoute, domains: domains as Record<string, RouteConfig> };
}
