import { StoreError } from '@agentstore/core';

/** LangGraph's store `ttl` config, as `PostgresStore` takes it (times in minutes). */
export interface StoreTtlConfig {
  /** Time to live of an item put without its own `ttl`; none by default (items never expire). */
  readonly defaultTtl?: number;
  /** Whether `get` and `search` push a returned item's expiry to now + its ttl; default true (false without a `ttl` config). */
  readonly refreshOnRead?: boolean;
  /** Minutes between background sweeps deleting expired items; without it no sweep runs on its own. */
  readonly sweepIntervalMinutes?: number;
}

/** A checked `ttl` config in milliseconds. */
export interface ResolvedTtl {
  readonly defaultTtlMs: number | undefined;
  readonly refreshOnRead: boolean;
  readonly sweepIntervalMs: number | undefined;
}

const MINUTE_MS = 60_000;

/** Checks `config`; throws `INVALID_OPTIONS` on a bad one. */
export function resolveTtl(config: StoreTtlConfig | undefined): ResolvedTtl {
  // As in LangGraph's stores, reads refresh only where a `ttl` config asks for expiry at all.
  const { defaultTtl, refreshOnRead = config !== undefined, sweepIntervalMinutes } = config ?? {};
  if (typeof refreshOnRead !== 'boolean') throw new StoreError('INVALID_OPTIONS', 'AgentstoreStore ttl.refreshOnRead must be a boolean');
  return {
    defaultTtlMs: defaultTtl === undefined ? undefined : minutesToMs(defaultTtl, 'ttl.defaultTtl', 'INVALID_OPTIONS'),
    refreshOnRead,
    sweepIntervalMs:
      sweepIntervalMinutes === undefined ? undefined : minutesToMs(sweepIntervalMinutes, 'ttl.sweepIntervalMinutes', 'INVALID_OPTIONS'),
  };
}

/**
 * The time to live of one put in ms: its own `ttl` (minutes; `null`: never expires) or the default.
 * Throws `INVALID_VALUE` on a ttl that is not a positive finite number.
 */
export function putTtlMs(ttl: unknown, resolved: ResolvedTtl): number | undefined {
  if (ttl === undefined) return resolved.defaultTtlMs;
  if (ttl === null) return undefined;
  return minutesToMs(ttl, 'a put ttl', 'INVALID_VALUE');
}

function minutesToMs(minutes: unknown, what: string, code: 'INVALID_OPTIONS' | 'INVALID_VALUE'): number {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) {
    throw new StoreError(code, `AgentstoreStore: ${what} must be a positive number of minutes`);
  }
  return Math.max(1, Math.round(minutes * MINUTE_MS));
}
