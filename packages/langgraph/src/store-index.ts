import { StoreError } from '@agentstore/core';
import { textsAtPath, tokenizePath } from './text-paths.js';

/** What `index.embed` may be: a LangChain `Embeddings` (anything with these two methods). */
export interface EmbeddingsLike {
  /** Vectors of several texts, in order. */
  embedDocuments(texts: string[]): Promise<ArrayLike<number>[]>;
  /** The vector of a search query. */
  embedQuery(text: string): Promise<ArrayLike<number>>;
}

/** What `index.embed` may be instead: a function from texts to their vectors, in order. */
export type EmbedFunction = (texts: string[]) => Promise<ArrayLike<number>[]>;

/** LangGraph's store `index` config, as `PostgresStore` takes it (`embeddings` as `InMemoryStore` names it). */
export interface StoreIndexConfig {
  /** Length of every embedding. */
  readonly dims: number;
  /** The embedding model: a LangChain `Embeddings` or a function. */
  readonly embed?: EmbeddingsLike | EmbedFunction;
  /** `InMemoryStore`'s name for `embed`. */
  readonly embeddings?: EmbeddingsLike;
  /** Paths of the texts embedded per item (see the README); default `['$']`, the whole value as JSON. */
  readonly fields?: readonly string[];
}

/** A field path with its parsed steps. */
export interface FieldPath {
  readonly path: string;
  readonly steps: readonly string[];
}

/** A checked index config: its fields parsed, its model behind two checked calls. */
export interface ResolvedIndex {
  readonly dims: number;
  readonly fields: readonly FieldPath[];
  /** Vectors of `texts`, each checked (count, length, finite numbers). */
  embedDocuments(texts: string[]): Promise<number[][]>;
  /** The checked vector of `query`. */
  embedQuery(query: string): Promise<number[]>;
}

function invalidOptions(message: string): StoreError {
  return new StoreError('INVALID_OPTIONS', `AgentstoreStore index: ${message}`);
}

/** Checks `config` and wraps its model; throws `INVALID_OPTIONS` on a bad config. */
export function resolveIndex(config: StoreIndexConfig): ResolvedIndex {
  const { dims } = config;
  if (!Number.isInteger(dims) || dims < 1 || dims > 65_536) throw invalidOptions('dims must be an integer from 1 to 65,536');
  const model = config.embed ?? config.embeddings;
  const fields = parseFieldPaths(config.fields ?? ['$'], 'fields');
  let documents: (texts: string[]) => Promise<ArrayLike<number>[]>;
  let query: (text: string) => Promise<ArrayLike<number>>;
  if (typeof model === 'function') {
    documents = (texts) => model(texts);
    query = async (text) => (await model([text]))[0] as ArrayLike<number>;
  } else if (model && typeof model.embedDocuments === 'function' && typeof model.embedQuery === 'function') {
    documents = (texts) => model.embedDocuments(texts);
    query = (text) => model.embedQuery(text);
  } else {
    throw invalidOptions('embed must be a LangChain Embeddings (embedDocuments, embedQuery) or a function of texts');
  }
  return {
    dims,
    fields,
    async embedDocuments(texts) {
      if (texts.length === 0) return [];
      const vectors = await documents(texts);
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw new StoreError('INVALID_VALUE', `the embedding model returned ${describeCount(vectors)} for ${texts.length} texts`);
      }
      return vectors.map((v) => checkVector(v, dims));
    },
    async embedQuery(text) {
      return checkVector(await query(text), dims);
    },
  };
}

/** Parses `index` field paths (the config's or one `put`'s); throws `INVALID_OPTIONS` / `INVALID_VALUE`. */
export function parseFieldPaths(paths: unknown, where: 'fields' | 'put'): FieldPath[] {
  const code = where === 'fields' ? 'INVALID_OPTIONS' : 'INVALID_VALUE';
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new StoreError(
      code,
      `AgentstoreStore index: ${where === 'fields' ? 'fields' : "a put's index"} must be an array of non-empty path strings`,
    );
  }
  return (paths as string[]).map((path) => ({ path, steps: path === '$' ? ['$'] : tokenizePath(path) }));
}

/**
 * The texts an item embeds, by vector name: a path selecting one text names it; a path selecting
 * several names them `path.0`, `path.1`, … (as LangGraph's stores do, so scores match theirs).
 */
export function itemTexts(value: Record<string, unknown>, fields: readonly FieldPath[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { path, steps } of fields) {
    const texts = textsAtPath(value, steps);
    if (texts.length === 1) out.set(path, texts[0] as string);
    else for (const [i, text] of texts.entries()) out.set(`${path}.${i}`, text);
  }
  return out;
}

function checkVector(vector: unknown, dims: number): number[] {
  const ok =
    vector !== null &&
    typeof vector === 'object' &&
    typeof (vector as ArrayLike<number>).length === 'number' &&
    (vector as ArrayLike<number>).length === dims;
  const out = ok ? Array.from(vector as ArrayLike<number>) : [];
  if (!ok || out.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new StoreError('INVALID_VALUE', `the embedding model returned something other than ${dims} finite numbers`);
  }
  return out;
}

function describeCount(vectors: unknown): string {
  return Array.isArray(vectors) ? `${vectors.length} vectors` : typeof vectors;
}
