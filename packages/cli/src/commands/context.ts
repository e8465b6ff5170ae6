import { existsSync } from 'node:fs';
import { createStore, type Key, openStore, type Store, StoreError } from '@agentstore/core';
import { type LoadedConfig, loadConfig } from '../config.js';
import { type Output, UsageError } from '../output.js';

/** Options every command takes. */
export interface GlobalOptions {
  readonly config?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

/** What a command runs with. */
export interface CommandContext {
  readonly global: GlobalOptions;
  readonly out: Output;
}

/**
 * Opens the store in the data directory with the routes its manifest records, overlaid with the
 * config file's. `read`: read-only (nothing created; no store there, or a domain that does not
 * exist, is `NOT_FOUND`). `write`: a store that may be new (every adapter the config names loaded).
 */
export async function openFor(global: GlobalOptions, mode: 'read' | 'write'): Promise<{ store: Store; config: LoadedConfig }> {
  const config = await loadConfig(global.config, global.dataDir, mode === 'write');
  const { dataDir, adapters, domains } = config.store;
  const given = { ...(domains && { domains }), ...(config.store.default && { default: config.store.default }) };
  if (mode === 'read') {
    if (!existsSync(dataDir))
      throw new StoreError('NOT_FOUND', `no agentstore at ${dataDir}: the directory does not exist (give --data-dir or --config)`);
    return { store: await openStore(dataDir, { readOnly: true, ...(adapters && { adapters }), ...given }), config };
  }
  const store = config.manifest ? await openStore(dataDir, { ...(adapters && { adapters }), ...given }) : await createStore(config.store);
  return { store, config };
}

/** Opens the store (see {@link openFor}), runs `fn`, and always closes it. */
export async function withStore<T>(
  global: GlobalOptions,
  fn: (store: Store, config: LoadedConfig) => Promise<T>,
  mode: 'read' | 'write' = 'write',
): Promise<T> {
  const { store, config } = await openFor(global, mode);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/**
 * A key as the user typed it: JSON when it parses as a string, number or tuple (`'["run","a",3]'`,
 * `'"3"'`, `42`), else the text itself as a string key.
 */
export function parseKey(text: string): Key {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) return value as Key;
  } catch {
    // not JSON: a plain string key
  }
  return text;
}

/** A non-negative integer option. */
export function parseCount(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

/** A JSON object option (`--options '{"durability":"strict"}'`). */
export function parseJsonObject(name: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${name} must be JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}
