import { jsonObjectText } from '../checkpoints/validate-input.js';
import { StoreError } from '../errors.js';
import type { Json } from '../types.js';
import { MAX_KEY_BYTES, TIER_INDEX, TIERS } from './artifact-layout.js';
import type { ArtifactPutOptions, ArtifactsPolicy, ArtifactTier, TokenIds } from './types.js';

/** Default lifetime of leases and reservations. */
export const DEFAULT_TTL_MS = 60_000;
/** Longest lease or reservation lifetime accepted (a day). */
const MAX_TTL_MS = 86_400_000;
/** Default size of the process-memory cache of `ram`-tier blobs. */
export const DEFAULT_RAM_CACHE_BYTES = 64 * 1024 * 1024;

/** Throws `INVALID_KEY` unless `key` is a well-formed string of 1..512 UTF-8 bytes. */
export function assertArtifactKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || !key.isWellFormed() || Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new StoreError('INVALID_KEY', `an artifact key is a well-formed string of 1 to ${MAX_KEY_BYTES} UTF-8 bytes`);
  }
}

/** Throws `INVALID_VALUE` unless `bytes` is a Uint8Array. */
export function assertBytes(bytes: unknown, what = 'artifact bytes'): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new StoreError('INVALID_VALUE', `${what} must be a Uint8Array`);
}

/** `VALUE_TOO_LARGE` for a blob over the domain's `maxValueBytes` (streamed puts are bounded by the budget instead). */
export function assertFits(bytes: Uint8Array, maxValueBytes: number): void {
  if (bytes.byteLength > maxValueBytes) {
    throw new StoreError(
      'VALUE_TOO_LARGE',
      `blob is ${bytes.byteLength} bytes; the domain allows ${maxValueBytes} (putStream takes larger blobs)`,
    );
  }
}

/** Throws `INVALID_VALUE` unless `x` is undefined or a plain object (an options bag). */
export function assertOptionsBag(x: unknown, what: string): void {
  if (x !== undefined && (x === null || typeof x !== 'object' || Array.isArray(x)))
    throw new StoreError('INVALID_VALUE', `${what} options must be an object`);
}

/** Throws `INVALID_VALUE` unless `n` is a non-negative safe integer. */
export function assertSize(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new StoreError('INVALID_VALUE', `${what} must be a non-negative integer`);
}

/** A lifetime in ms (1 ms .. 1 day); `fallback` when undefined. */
export function ttlOf(ttl: unknown, fallback: number, what: string): number {
  if (ttl === undefined) return fallback;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) {
    throw new StoreError('INVALID_VALUE', `${what} must be an integer from 1 to ${MAX_TTL_MS} ms`);
  }
  return ttl;
}

/** Throws `INVALID_VALUE` unless `tier` is a tier name. */
export function assertTier(tier: unknown): asserts tier is ArtifactTier {
  if (tier !== 'ram' && tier !== 'disk') throw new StoreError('INVALID_VALUE', `tier must be 'ram' or 'disk'`);
}

/** Tier indexes of a `tiers` option (default: both). */
export function tierSet(tiers: unknown): Array<0 | 1> {
  if (tiers === undefined) return [0, 1];
  if (!Array.isArray(tiers)) throw new StoreError('INVALID_VALUE', `tiers must be an array of 'ram' | 'disk'`);
  for (const t of tiers) assertTier(t);
  return TIERS.filter((t) => tiers.includes(t)).map((t) => TIER_INDEX[t]);
}

/** Checked put options: the tier index and the meta as validated JSON text. */
export interface CheckedPut {
  readonly tier: 0 | 1;
  readonly metaJson: string;
}

/** Validates the options of a put (tier, meta). */
export function checkPutOptions(options: ArtifactPutOptions | undefined, defaultTier: ArtifactTier): CheckedPut {
  assertOptionsBag(options, 'put');
  const tier = options?.tier ?? defaultTier;
  assertTier(tier);
  const metaJson = jsonObjectText(options?.meta ?? {}, 'artifact meta');
  return { tier: TIER_INDEX[tier], metaJson };
}

/** Parses validated meta text (a fresh object per call). */
export const metaOf = (metaJson: string): Record<string, Json> => JSON.parse(metaJson) as Record<string, Json>;

/** A policy with every default filled. */
export interface CheckedPolicy {
  readonly budgetBytes: number | undefined;
  readonly tierBudgets: readonly [number | undefined, number | undefined];
  readonly defaultTier: ArtifactTier;
  readonly leaseTtlMs: number;
  readonly reservationTtlMs: number;
  readonly ramCacheBytes: number;
}

const POLICY_KEYS = new Set(['budgetBytes', 'tiers', 'defaultTier', 'leaseTtlMs', 'reservationTtlMs', 'ramCacheBytes']);

/** Validates `store.artifacts`' policy (unknown keys rejected). */
export function checkPolicy(policy: ArtifactsPolicy | undefined): CheckedPolicy {
  assertOptionsBag(policy, 'artifacts');
  const p = policy ?? {};
  for (const k of Object.keys(p)) if (!POLICY_KEYS.has(k)) throw new StoreError('INVALID_VALUE', `unknown artifacts option "${k}"`);
  if (p.budgetBytes !== undefined) assertSize(p.budgetBytes, 'budgetBytes');
  assertOptionsBag(p.tiers, 'tiers');
  const tierBudget = (t: ArtifactTier): number | undefined => {
    const tp = p.tiers?.[t];
    assertOptionsBag(tp, `tiers.${t}`);
    for (const k of Object.keys(tp ?? {}))
      if (k !== 'budgetBytes') throw new StoreError('INVALID_VALUE', `unknown tiers.${t} option "${k}"`);
    if (tp?.budgetBytes !== undefined) assertSize(tp.budgetBytes, `tiers.${t}.budgetBytes`);
    return tp?.budgetBytes;
  };
  for (const k of Object.keys(p.tiers ?? {})) if (k !== 'ram' && k !== 'disk') throw new StoreError('INVALID_VALUE', `unknown tier "${k}"`);
  const defaultTier = p.defaultTier ?? 'disk';
  assertTier(defaultTier);
  const ramCacheBytes = p.ramCacheBytes ?? DEFAULT_RAM_CACHE_BYTES;
  assertSize(ramCacheBytes, 'ramCacheBytes');
  return {
    budgetBytes: p.budgetBytes,
    tierBudgets: [tierBudget('ram'), tierBudget('disk')],
    defaultTier,
    leaseTtlMs: ttlOf(p.leaseTtlMs, DEFAULT_TTL_MS, 'leaseTtlMs'),
    reservationTtlMs: ttlOf(p.reservationTtlMs, DEFAULT_TTL_MS, 'reservationTtlMs'),
    ramCacheBytes,
  };
}

/** A budget in a `setBudget` update: a size, null (none) or undefined (unchanged). */
export function assertBudgetUpdate(x: unknown, what: string): asserts x is number | null | undefined {
  if (x !== undefined && x !== null) assertSize(x, what);
}

/** Throws `INVALID_VALUE` unless `tokens` is an array (or Uint32Array) of integers in 0..2^32-1. */
export function assertTokens(tokens: unknown): asserts tokens is TokenIds {
  if (tokens instanceof Uint32Array) return;
  if (!Array.isArray(tokens)) throw new StoreError('INVALID_VALUE', 'tokens must be an array of token ids');
  for (const t of tokens) {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 0xffff_ffff) {
      throw new StoreError('INVALID_VALUE', 'a token id is an integer from 0 to 2^32-1');
    }
  }
}

/** Throws `INVALID_VALUE` unless `ns` is a well-formed string of at most 1024 characters. */
export function assertNamespace(ns: unknown): asserts ns is string {
  if (typeof ns !== 'string' || !ns.isWellFormed() || ns.length > 1024) {
    throw new StoreError('INVALID_VALUE', 'namespace must be a well-formed string of at most 1024 characters');
  }
}
