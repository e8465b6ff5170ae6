import { StoreError } from '@agentstore/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { Version } from './layout.js';

/** The thread a config names (a finite number is taken as its string), or undefined when it names none. */
export function threadOf(config: RunnableConfig): string | undefined {
  const thread: unknown = config?.configurable?.thread_id;
  if (thread === undefined || thread === null) return undefined;
  if (typeof thread === 'number' && Number.isFinite(thread)) return String(thread);
  return requireString(thread, 'config.configurable.thread_id');
}

/** The checkpoint namespace a config names, or undefined when it names none. */
export function namespaceOf(config: RunnableConfig): string | undefined {
  const ns: unknown = config?.configurable?.checkpoint_ns;
  return ns === undefined || ns === null ? undefined : requireString(ns, 'config.configurable.checkpoint_ns', true);
}

/** The thread a config names; `INVALID_VALUE` (saying it cannot `what`) when it names none. */
export function requireThread(config: RunnableConfig, what: string): string {
  if (config?.configurable === undefined) throw new StoreError('INVALID_VALUE', `cannot ${what}: the config has no "configurable"`);
  const thread = threadOf(config);
  if (thread === undefined) throw new StoreError('INVALID_VALUE', `cannot ${what}: config.configurable.thread_id is missing`);
  return thread;
}

/** `value` when it is a (non-empty, unless `allowEmpty`) string; else `INVALID_VALUE` naming `what`. */
export function requireString(value: unknown, what: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === ''))
    throw new StoreError('INVALID_VALUE', `${what} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  return value;
}

/** A channel version as stored: a string or a finite number; else `INVALID_VALUE`. */
export function checkVersion(version: unknown): Version {
  if (typeof version === 'string' || (typeof version === 'number' && Number.isFinite(version))) return version;
  throw new StoreError('INVALID_VALUE', `a channel version must be a string or a finite number, got ${String(version)}`);
}
