import type { DomainStore, Json, Key } from '@agentstore/core';
import { matchesStoreFilter } from './filter.js';
import { pushedFilter } from './filter-pushdown.js';
import { type LiveItem, liveItems } from './live-items.js';
import { PAGE } from './paging.js';
import { type ItemRecord, isLive, needsRefreshRecord, type RefreshRecord, refreshKey, vectorKey } from './store-records.js';

/** The slice of a `vectors` domain the store uses (SPEC §9.3). */
export interface ItemVectors {
  upsertMany(
    items: Iterable<{ readonly key: Key; readonly vector: readonly number[]; readonly metadata?: Record<string, Json> }>,
  ): Promise<void>;
  get(key: Key): Promise<{ readonly vector: Float32Array } | undefined>;
  delete(key: Key): Promise<boolean>;
  search(
    query: readonly number[],
    options: { k: number; prefix?: Key },
  ): Promise<ReadonlyArray<{ readonly key: Key; readonly score: number }>>;
}

/**
 * Deletes the vectors of item versions nothing names any more, up to 64 at a time: concurrent deletes
 * share commits where the engine groups them.
 */
export async function deleteVectors(
  vectors: ItemVectors,
  versions: ReadonlyArray<{ readonly key: Key; readonly record: ItemRecord }>,
): Promise<void> {
  const keys = versions.flatMap(({ key, record }) => (record.vectors ?? []).map((name) => vectorKey(key, record.stamp as string, name)));
  for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map((key) => vectors.delete(key)));
}

/** One semantic search, already embedded. */
export interface VectorQuery {
  readonly vector: readonly number[];
  readonly prefix: Key | undefined;
  readonly filter: Record<string, unknown> | undefined;
  readonly offset: number;
  readonly limit: number;
  /** Vectors an item has at most, as configured: sizes the first `k`. */
  readonly vectorsPerItem: number;
}

/** A search result before it becomes a LangGraph `SearchItem`. */
export interface ScoredItem {
  readonly item: LiveItem;
  readonly score: number | undefined;
}

/** Largest `k` one vectors search takes (SPEC §9.3); past it the store scores items itself. */
const MAX_K = 10_000;

/**
 * The items of a semantic search, best first, as LangGraph's `InMemoryStore` ranks them: an item
 * scores the best of its vectors' cosine similarities; ties go by key order; items with no vector
 * (put with `index: false`, or with no text at the indexed fields) follow every scored item, in key
 * order. `k` grows until the best `offset + limit` items are certain (every vector scoring above the
 * last one seen has been seen), or every vector under the prefix has been.
 */
export async function vectorSearch(kv: DomainStore<unknown>, vectors: ItemVectors, query: VectorQuery, now: number): Promise<ScoredItem[]> {
  const need = query.offset + query.limit;
  const lookup = new ItemLookup(kv, query.filter, now);
  // A filter may drop most matches: start wider then (each round is a whole new search).
  let k = Math.min(MAX_K, Math.max(16, need * query.vectorsPerItem * (query.filter ? 4 : 2)));
  let ranked: ScoredItem[];
  let complete: boolean;
  // Equality conditions on short scalars run inside the vectors domain; every condition is checked on the items.
  const pushed = pushedFilter(query.filter);
  for (;;) {
    const matches = await vectors.search(query.vector, {
      k,
      ...(query.prefix === undefined ? {} : { prefix: query.prefix }),
      ...(pushed === undefined ? {} : { filter: pushed }),
    });
    const best = await lookup.bestPerItem(matches);
    if (matches.length < k) {
      ranked = best;
      complete = true;
      break;
    }
    const cutoff = (matches[matches.length - 1] as { score: number }).score;
    const settled = best.filter((s) => (s.score as number) > cutoff);
    if (settled.length >= need) {
      ranked = settled;
      complete = false;
      break;
    }
    if (k >= MAX_K) {
      ranked = await exactScores(kv, vectors, query, now);
      complete = true;
      break;
    }
    k = Math.min(MAX_K, k * 4);
  }
  // Leftovers of crashed puts are removed as searches meet them (a few per search).
  await Promise.all([...lookup.orphans.values()].slice(0, 64).map((key) => vectors.delete(key)));
  const out = ranked.slice(query.offset, need);
  if (!complete || out.length >= query.limit) return out;
  // Every scored item is known and fewer than `need`: the unscored ones continue the ranking.
  let skip = Math.max(0, query.offset - ranked.length);
  for await (const item of liveItems(kv, query.prefix === undefined ? {} : { prefix: query.prefix }, now, PAGE)) {
    if ((item.record.vectors?.length ?? 0) > 0) continue;
    if (query.filter && !matchesStoreFilter(item.record.value, query.filter)) continue;
    if (skip > 0) skip--;
    else out.push({ item, score: undefined });
    if (out.length >= query.limit) break;
  }
  return out;
}

/** Vectors of versions no item names are deleted once their stamp is this old (no put takes that long). */
const ORPHAN_AGE_MS = 10 * 60_000;

/** Items of vector matches, read once each; a vector counts while its item is live, matches and is of its version. */
class ItemLookup {
  readonly #items = new Map<string, { key: Key; record: ItemRecord | undefined; refresh: RefreshRecord | undefined }>();
  /** Vectors seen whose version no item names any more (a crash between a put's steps left them). */
  readonly orphans = new Map<string, Key>();
  constructor(
    readonly kv: DomainStore<unknown>,
    readonly filter: Record<string, unknown> | undefined,
    readonly now: number,
  ) {}

  /** Each item's best valid match, best first, ties by key. */
  async bestPerItem(matches: ReadonlyArray<{ readonly key: Key; readonly score: number }>): Promise<ScoredItem[]> {
    const parsed = matches.map((m) => {
      const parts = m.key as readonly (string | number)[];
      const item = parts.slice(0, -2);
      return { key: m.key, id: JSON.stringify(item), item, stamp: parts[parts.length - 2], name: parts[parts.length - 1], score: m.score };
    });
    const missing = [...new Map(parsed.filter((p) => !this.#items.has(p.id)).map((p) => [p.id, p.item])).entries()];
    if (missing.length > 0) {
      const records = (await this.kv.getMany(missing.map(([, key]) => key))) as Array<ItemRecord | undefined>;
      // Refresh records only of items whose own expiry has passed (rare): one more read for those.
      const expired = missing.flatMap(([id, key], i) => {
        const record = records[i];
        return record !== undefined && needsRefreshRecord(record, this.now) ? [[id, key] as const] : [];
      });
      const refreshes = expired.length > 0 ? await this.kv.getMany(expired.map(([, key]) => refreshKey(key))) : [];
      const refreshOf = new Map(expired.map(([id], i) => [id, refreshes[i] as RefreshRecord | undefined]));
      for (const [i, [id, key]] of missing.entries()) this.#items.set(id, { key, record: records[i], refresh: refreshOf.get(id) });
    }
    const best = new Map<string, ScoredItem>();
    for (const p of parsed) {
      const { key, record, refresh } = this.#items.get(p.id) as {
        key: Key;
        record: ItemRecord | undefined;
        refresh: RefreshRecord | undefined;
      };
      if (record === undefined || record.stamp !== p.stamp || !record.vectors?.includes(p.name as string)) {
        if (stampAge(p.stamp, this.now) > ORPHAN_AGE_MS) this.orphans.set(JSON.stringify(p.key), p.key);
        continue;
      }
      if (best.has(p.id) || !isLive(record, refresh, this.now)) continue;
      if (this.filter && !matchesStoreFilter(record.value, this.filter)) continue;
      best.set(p.id, { item: { key, record, refresh }, score: p.score });
    }
    return [...best.values()].sort(byScoreThenKey);
  }
}

/** Milliseconds since a stamp was drawn (its base-36 time prefix); 0 for anything else. */
function stampAge(stamp: unknown, now: number): number {
  if (typeof stamp !== 'string') return 0;
  const drawn = Number.parseInt(stamp.slice(0, stamp.indexOf('.')), 36);
  return Number.isFinite(drawn) ? now - drawn : 0;
}

/** Every matching item scored here from its stored vectors: the path past the largest `k`. */
async function exactScores(kv: DomainStore<unknown>, vectors: ItemVectors, query: VectorQuery, now: number): Promise<ScoredItem[]> {
  const out: ScoredItem[] = [];
  for await (const item of liveItems(kv, query.prefix === undefined ? {} : { prefix: query.prefix }, now, PAGE)) {
    const { record } = item;
    if (!record.vectors?.length || record.stamp === undefined) continue;
    if (query.filter && !matchesStoreFilter(record.value, query.filter)) continue;
    const stored = await Promise.all(record.vectors.map((name) => vectors.get([...(item.key as string[]), record.stamp as string, name])));
    const scores = stored.flatMap((s) => (s === undefined ? [] : [cosine(query.vector, s.vector)]));
    if (scores.length > 0) out.push({ item, score: Math.max(...scores) });
  }
  return out.sort(byScoreThenKey);
}

function cosine(a: readonly number[], b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / (Math.sqrt(na) * Math.sqrt(nb)) : 0;
}

function byScoreThenKey(a: ScoredItem, b: ScoredItem): number {
  return (b.score as number) - (a.score as number) || compareKeys(a.item.key, b.item.key);
}

/** Key order of two tuple keys: element by element, numbers before strings, strings by code point. */
export function compareKeys(a: Key, b: Key): number {
  const x = a as readonly (string | number)[];
  const y = b as readonly (string | number)[];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string | number;
    const q = y[i] as string | number;
    if (p === q) continue;
    if (typeof p !== typeof q) return typeof p === 'number' ? -1 : 1;
    if (typeof p === 'number') return p - (q as number);
    return codePointCompare(p, q as string);
  }
  return x.length - y.length;
}

function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = ((x[i] as string).codePointAt(0) as number) - ((y[i] as string).codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
