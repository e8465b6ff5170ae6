/**
 * The slice of `usearch` (an optional dependency with prebuilt native binaries) that the approximate
 * index uses, declared here so its types never reach the public API. When the package or its binary
 * cannot be loaded, searches stay exact and one process warning says why.
 */
import { createRequire } from 'node:module';
import type { VectorMetric } from './types.js';

/** What `Index.search` returns. */
interface NativeMatches {
  readonly keys: BigUint64Array;
  readonly distances: Float32Array;
}

/** One usearch HNSW index. */
export interface NativeIndex {
  add(keys: BigUint64Array | bigint, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads?: number): NativeMatches;
  remove(keys: BigUint64Array | bigint): unknown;
  size(): number;
  dimensions(): number;
  save(path: string): void;
  load(path: string): void;
  view(path: string): void;
}

interface NativeModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => NativeIndex;
}

/** The npm package and version core loads (pinned in core's optionalDependencies). */
export const NATIVE_PACKAGE = 'usearch';

// Graph degree 16 and candidate lists of 128 (build) / 160 (search): recall@10 ≥ 0.95 on 100,000
// clustered 384-dimensional vectors in the bench, at well under 1 ms per search.
const CONNECTIVITY = 16;
const EXPANSION_ADD = 128;
const EXPANSION_SEARCH = 160;

const NATIVE_METRIC: Readonly<Record<VectorMetric, string>> = { cosine: 'cos', dot: 'ip', l2: 'l2sq' };

let loading: Promise<NativeModule | undefined> | undefined;
let status = 'not loaded yet';

/** The native module, or undefined (with `nativeStatus()` saying why) when it cannot be loaded. */
export function loadNative(): Promise<NativeModule | undefined> {
  loading ??= (async () => {
    if (process.env.AGENTSTORE_VECTORS_NATIVE === 'off') {
      status = 'unavailable: turned off by AGENTSTORE_VECTORS_NATIVE=off';
      return undefined;
    }
    try {
      // Through require: usearch's ESM entry looks for its binary relative to a path it cannot
      // compute under pnpm's layout and recurses until the stack overflows; its CJS entry knows its
      // own directory. A variable specifier keeps TypeScript from needing the package's types.
      const mod = createRequire(import.meta.url)(NATIVE_PACKAGE) as Partial<NativeModule> & { default?: Partial<NativeModule> };
      const Index = mod.Index ?? mod.default?.Index;
      if (typeof Index !== 'function') throw new Error('the module has no Index class');
      // Fails here, not in a search, when the binary does not load on this platform.
      new Index({
        dimensions: 2,
        metric: 'cos',
        quantization: 'f32',
        connectivity: 2,
        expansion_add: 2,
        expansion_search: 2,
        multi: false,
      });
      status = NATIVE_PACKAGE;
      return { Index };
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      status = `unavailable: ${why}`;
      process.emitWarning(
        `agentstore vectors: the native HNSW library "${NATIVE_PACKAGE}" could not be loaded (${why}); ` +
          'large vectors domains are searched exactly, which is slower. Install it (npm i usearch) to enable the approximate index.',
        { code: 'AGENTSTORE_VECTORS_NATIVE' },
      );
      return undefined;
    }
  })();
  return loading;
}

/** `usearch` when it is loaded, else why it is not. */
export function nativeStatus(): string {
  return status;
}

/** A new empty HNSW index for a domain's settings. */
export function newNativeIndex(native: NativeModule, dims: number, metric: VectorMetric): NativeIndex {
  return new native.Index({
    dimensions: dims,
    metric: NATIVE_METRIC[metric],
    quantization: 'f32',
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
    multi: false,
  });
}

/** The loaded module's type, for callers that hold it. */
export type { NativeModule };
