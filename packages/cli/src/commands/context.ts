import { createStore, type Key, type Store } from '@agentstore/core';
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

/** Opens the store the config describes, runs `fn`, and always closes it. */
export async function withStore<T>(global: GlobalOptions, fn: (store: Store, config: LoadedConfig) => Promise<T>): Promise<T> {
  const config = await loadConfig(global.config, global.dataDir);
  const store = await createStore(config.store);
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
