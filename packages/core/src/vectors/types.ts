/** Public types of the `vectors` kind (SPEC §9.3): embeddings with JSON metadata, searched by similarity. */
import type { Json, Key } from '../types.js';

/** How two vectors are compared: cosine similarity, inner product, or Euclidean distance. */
export type VectorMetric = 'cosine' | 'dot' | 'l2';

/** A plain JSON object stored with a vector and matched by `filter`. */
export type VectorMetadata = { readonly [key: string]: Json };

/**
 * Options of `store.vectors()`. `dims` and `metric` are recorded with the domain by its first write;
 * a handle opened later with other ones fails with `INVALID_OPTIONS`.
 */
export interface VectorsOptions {
  /** Length of every vector, 1 to 65,536. */
  readonly dims: number;
  /** Default `'cosine'`. */
  readonly metric?: VectorMetric;
  /**
   * Domains with at most this many vectors are searched exactly; larger ones through the approximate
   * (HNSW) index when the native library is installed. Default 10,000; a process-local setting.
   */
  readonly exactThreshold?: number;
}

/** A vector as callers pass it: copied and checked (length, finite numbers) before anything is written. */
export type VectorInput = Float32Array | readonly number[];

/** One item of `upsertMany`. */
export interface VectorUpsert<M extends VectorMetadata = VectorMetadata> {
  readonly key: Key;
  readonly vector: VectorInput;
  readonly metadata?: M;
}

/** What `get` returns: the stored vector (a copy) and its metadata. */
export interface StoredVector<M extends VectorMetadata = VectorMetadata> {
  readonly vector: Float32Array;
  readonly metadata: M | undefined;
}

/** Options of `search`. */
export interface VectorSearchOptions {
  /** At most this many matches, default 10 (0 to 10,000). */
  readonly k?: number;
  /** Only keys with this prefix (a tuple prefix or a string prefix, as `Range.prefix`). */
  readonly prefix?: Key;
  /**
   * Only entries whose metadata holds each of these top-level fields with an equal JSON value (deep
   * equality, object key order ignored); the checkpoint `list` filter's semantics.
   */
  readonly filter?: VectorMetadata;
}

/** One search result. */
export interface VectorMatch<M extends VectorMetadata = VectorMetadata> {
  readonly key: Key;
  /** cosine: similarity (higher is better); dot: inner product (higher is better); l2: distance (lower is better). */
  readonly score: number;
  readonly metadata: M | undefined;
}

/** Which search path a domain uses in this process (`describe()`), for diagnostics and benches. */
export interface VectorIndexInfo {
  readonly dims: number;
  readonly metric: VectorMetric;
  /** Vectors in the domain as of the last refresh. */
  readonly count: number;
  /** `exact` at or below the threshold; `hnsw` above it; `exact-fallback` when above it without the native library. */
  readonly mode: 'exact' | 'hnsw' | 'exact-fallback';
  /** The native library in use, or why none is (`unavailable: …`). */
  readonly native: string;
}

/** Vectors with metadata, searched by similarity: one domain of kind `vectors`. */
export interface VectorStore<M extends VectorMetadata = VectorMetadata> {
  /** The domain's dimensions. */
  readonly dims: number;
  /** The domain's metric. */
  readonly metric: VectorMetric;
  /** Stores `vector` (and `metadata`, replacing any earlier) under `key`. */
  upsert(key: Key, vector: VectorInput, metadata?: M): Promise<void>;
  /** Stores every item atomically: all or none; a later item with the same key wins. */
  upsertMany(items: Iterable<VectorUpsert<M>>): Promise<void>;
  /** The vector and metadata under `key`, or undefined. */
  get(key: Key): Promise<StoredVector<M> | undefined>;
  /** Deletes `key`; false when it was absent. */
  delete(key: Key): Promise<boolean>;
  /** The `k` entries nearest to `query`, best first; sees every write committed before the call. */
  search(query: VectorInput, options?: VectorSearchOptions): Promise<Array<VectorMatch<M>>>;
  /** Number of vectors in the domain. */
  count(): Promise<number>;
  /** How this process searches the domain (brings the index up to date first). */
  describe(): Promise<VectorIndexInfo>;
}
