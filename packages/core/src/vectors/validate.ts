import { jsonObjectText } from '../checkpoints/validate-input.js';
import { StoreError } from '../errors.js';
import { assertOptions } from '../journal/validate.js';
import type { Json } from '../types.js';
import type { VectorMetric, VectorSearchOptions, VectorsOptions } from './types.js';

/** Largest `dims` a domain accepts (a 256 KiB vector). */
export const MAX_DIMS = 65_536;
/** Largest `k` of a search. */
export const MAX_K = 10_000;
/** Default size up to which a domain is searched exactly. */
export const DEFAULT_EXACT_THRESHOLD = 10_000;

const METRICS: ReadonlySet<string> = new Set<VectorMetric>(['cosine', 'dot', 'l2']);

/** `store.vectors()` options with defaults filled. */
export interface VectorsSettings {
  readonly dims: number;
  readonly metric: VectorMetric;
  readonly exactThreshold: number;
}

function invalidOptions(path: string, message: string): StoreError {
  return new StoreError('INVALID_OPTIONS', `vectors options: ${message}`, { issues: [{ path: [path], message }] });
}

/** Checks `store.vectors()` options; `INVALID_OPTIONS` naming the bad field. */
export function vectorsSettings(options: VectorsOptions | undefined): VectorsSettings {
  if (options === null || typeof options !== 'object') throw invalidOptions('dims', 'store.vectors needs { dims, metric? }');
  const { dims, metric = 'cosine', exactThreshold = DEFAULT_EXACT_THRESHOLD } = options;
  if (!Number.isSafeInteger(dims) || dims < 1 || dims > MAX_DIMS)
    throw invalidOptions('dims', `dims must be an integer from 1 to ${MAX_DIMS}`);
  if (typeof metric !== 'string' || !METRICS.has(metric)) throw invalidOptions('metric', "metric must be 'cosine', 'dot' or 'l2'");
  if (!Number.isSafeInteger(exactThreshold) || exactThreshold < 0) {
    throw invalidOptions('exactThreshold', 'exactThreshold must be a non-negative integer');
  }
  return { dims, metric, exactThreshold };
}

/**
 * A fresh Float32Array copy of `input`, or `INVALID_VALUE` when it is not an array of `dims` numbers
 * that are finite as 32-bit floats (1e39 is not).
 */
export function toVector(input: unknown, dims: number, what = 'vector'): Float32Array {
  let out: Float32Array;
  if (input instanceof Float32Array) out = input.slice();
  else if (Array.isArray(input)) {
    if (input.length !== dims) throw new StoreError('INVALID_VALUE', `${what} has ${input.length} numbers; the domain holds ${dims}`);
    out = new Float32Array(dims);
    for (let i = 0; i < dims; i++) {
      const x: unknown = input[i];
      if (typeof x !== 'number') throw new StoreError('INVALID_VALUE', `${what}[${i}] is not a number`);
      out[i] = x;
    }
  } else throw new StoreError('INVALID_VALUE', `${what} must be a Float32Array or an array of numbers`);
  if (out.length !== dims) throw new StoreError('INVALID_VALUE', `${what} has ${out.length} numbers; the domain holds ${dims}`);
  for (let i = 0; i < dims; i++) {
    if (!Number.isFinite(out[i])) throw new StoreError('INVALID_VALUE', `${what}[${i}] is not a finite 32-bit float`);
  }
  return out;
}

/** The JSON text of `metadata` (undefined when absent); `INVALID_VALUE` unless a plain JSON object. */
export function metadataText(metadata: unknown): string | undefined {
  return metadata === undefined ? undefined : jsonObjectText(metadata, 'vector metadata');
}

/** `search` options checked, with defaults. */
export interface SearchPlan {
  readonly k: number;
  readonly prefix: unknown;
  readonly filter: Readonly<Record<string, Json>> | undefined;
}

/** Checks `search` options (`INVALID_VALUE`); the prefix is checked by the caller's key encoder. */
export function searchPlan(options: VectorSearchOptions | undefined): SearchPlan {
  assertOptions(options, 'search');
  const { k = 10, prefix, filter } = options ?? {};
  if (!Number.isSafeInteger(k) || k < 0 || k > MAX_K) throw new StoreError('INVALID_VALUE', `k must be an integer from 0 to ${MAX_K}`);
  const wanted = filter === undefined ? undefined : (JSON.parse(jsonObjectText(filter, 'filter')) as Record<string, Json>);
  return { k, prefix, filter: wanted };
}
