import type { Json } from '@agentstore/core';

/** Longest string copied into vector metadata (and so the longest a pushed-down condition may compare). */
const MAX_PUSHED_STRING = 64;

type Scalar = string | number | boolean | null;

function pushable(value: unknown): value is Scalar {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.length <= MAX_PUSHED_STRING;
}

/**
 * What an item's vectors carry as metadata: its top-level scalar fields (strings up to 64 characters),
 * so the vectors domain can apply equality filters before ranking.
 */
export function vectorMetadata(value: Record<string, unknown>): Record<string, Json> | undefined {
  const out: Record<string, Json> = {};
  let any = false;
  for (const [field, v] of Object.entries(value)) {
    if (!pushable(v)) continue;
    out[field] = v;
    any = true;
  }
  return any ? out : undefined;
}

/**
 * The conditions of a store filter the vectors domain can apply itself: a scalar (or `{ $eq: scalar }`)
 * that `vectorMetadata` would have copied from any item equal to it. The rest is checked on the items.
 */
export function pushedFilter(filter: Record<string, unknown> | undefined): Record<string, Json> | undefined {
  if (filter === undefined) return undefined;
  const out: Record<string, Json> = {};
  let any = false;
  for (const [field, condition] of Object.entries(filter)) {
    const only = typeof condition === 'object' && condition !== null && !Array.isArray(condition) ? Object.keys(condition) : [];
    const value = only.length === 1 && only[0] === '$eq' ? (condition as { $eq: unknown }).$eq : condition;
    if (!pushable(value)) continue;
    out[field] = value;
    any = true;
  }
  return any ? out : undefined;
}
