import { type DomainStore, type Json, type Key, type Store, StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';
import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type MatchCondition,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
  validateNamespace,
} from '@langchain/langgraph-checkpoint';
import { matchesStoreFilter } from './filter.js';
import { vectorMetadata } from './filter-pushdown.js';
import { type LiveItem, liveItems } from './live-items.js';
import { PAGE } from './paging.js';
import { type FieldPath, itemTexts, parseFieldPaths, type ResolvedIndex, resolveIndex, type StoreIndexConfig } from './store-index.js';
import {
  afterNamespace,
  END_OF_NAMESPACE,
  expiryKey,
  expiryOf,
  type ItemRecord,
  isLive,
  itemKey,
  needsRefreshRecord,
  newStamp,
  type RefreshRecord,
  refreshKey,
  splitItemKey,
  vectorKey,
} from './store-records.js';
import { putTtlMs, type ResolvedTtl, resolveTtl, type StoreTtlConfig } from './store-ttl.js';
import { type SweepStep, sweepStep, TtlSweeper } from './ttl-sweep.js';
import { deleteVectors, type ItemVectors, vectorSearch } from './vector-search.js';
import { WriteLock } from './write-lock.js';

/** Options of `new AgentstoreStore(store, options)`. */
export interface AgentstoreStoreOptions {
  /** kv domain holding the items; default `'langgraph_store'`. */
  readonly domain?: string;
  /** Semantic search: LangGraph's `index` config (`dims`, `embed`, `fields`). Without it a `query` is ignored. */
  readonly index?: StoreIndexConfig;
  /** `vectors` domain holding the embeddings; default `<domain>_vectors`. */
  readonly vectorsDomain?: string;
  /** Item expiry: LangGraph's `ttl` config (`defaultTtl`, `refreshOnRead`, `sweepIntervalMinutes`), in minutes. */
  readonly ttl?: StoreTtlConfig;
  /** Epoch milliseconds now, for expiry and timestamps; default `Date.now` (tests pass their own clock). */
  readonly clock?: () => number;
}

/** Per-put options, as `PostgresStore.put` takes them. */
export interface AgentstorePutOptions {
  /** Minutes this item lives (`null`: it never expires); default `ttl.defaultTtl`. */
  readonly ttl?: number | null;
}

/** A put operation with its per-put options (what `put` passes to `batch`). */
export type AgentstorePutOperation = PutOperation & { readonly options?: AgentstorePutOptions };

/** Whether a read pushes the expiry of what it returns; default `ttl.refreshOnRead`. */
export interface RefreshOption {
  readonly refreshTtl?: boolean;
}

/**
 * LangGraph's long-term memory store (`BaseStore`) on agentstore: get, put, delete, search by
 * namespace prefix with filters, limit and offset (in key order, or by similarity to a `query` when
 * an `index` is configured), listNamespaces, and items that expire (`ttl`). Items live in one kv
 * domain, their embeddings in a `vectors` domain.
 */
export class AgentstoreStore extends BaseStore {
  readonly #items: DomainStore<unknown>;
  readonly #index: ResolvedIndex | undefined;
  readonly #vectors: ItemVectors | undefined;
  readonly #ttl: ResolvedTtl;
  readonly #lock = new WriteLock();
  readonly #sweeper: TtlSweeper | undefined;
  readonly #clock: () => number;

  constructor(store: Store, options: AgentstoreStoreOptions = {}) {
    super();
    const domain = options.domain ?? 'langgraph_store';
    assertDomainName(domain);
    this.#ttl = resolveTtl(options.ttl);
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new StoreError('INVALID_OPTIONS', 'AgentstoreStore clock must be a function returning epoch milliseconds');
    }
    this.#clock = options.clock ?? Date.now;
    this.#index = options.index === undefined ? undefined : resolveIndex(options.index);
    if (this.#index !== undefined) {
      const vectorsDomain = options.vectorsDomain ?? `${domain}_vectors`;
      assertDomainName(vectorsDomain);
      this.#vectors = store.vectors(vectorsDomain, { dims: this.#index.dims, metric: 'cosine' });
    }
    this.#items = store.kv<unknown>(domain);
    if (this.#ttl.sweepIntervalMs !== undefined) {
      this.#sweeper = new TtlSweeper(() => this.#sweepStep(), this.#ttl.sweepIntervalMs);
      this.#sweeper.start();
    }
  }

  /** Stores an item; `options.ttl` (minutes) overrides the default time to live. */
  override async put(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    index?: false | string[],
    options?: AgentstorePutOptions,
  ): Promise<void> {
    // LangGraph's own checks first (labels without '.', ':' or NUL; no 'langgraph' root), as BaseStore.put does.
    validateNamespace(namespace);
    const op: AgentstorePutOperation = {
      namespace,
      key,
      value,
      ...(index === undefined ? {} : { index }),
      ...(options ? { options } : {}),
    };
    await this.batch([op]);
  }

  /** The item, or null; `options.refreshTtl` overrides `ttl.refreshOnRead` for this read. */
  override async get(namespace: string[], key: string, options?: RefreshOption): Promise<Item | null> {
    validateNamespace(namespace, { allowEmpty: true, allowReservedRoot: true });
    const [item] = await this.batch([{ namespace, key, ...options } as GetOperation]);
    return item as Item | null;
  }

  /** Items under a namespace prefix; `options.refreshTtl` overrides `ttl.refreshOnRead` for this read. */
  override async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string } & RefreshOption = {},
  ): Promise<SearchItem[]> {
    validateNamespace(namespacePrefix, { allowEmpty: true, allowReservedRoot: true });
    const { limit = 10, offset = 0, ...rest } = options;
    const [items] = await this.batch([{ namespacePrefix, limit, offset, ...rest } as SearchOperation]);
    return items as SearchItem[];
  }

  /** Deletes every item expired now (and its vectors); returns how many. PostgresStore's name. */
  async sweepExpiredItems(): Promise<number> {
    let removed = 0;
    for (;;) {
      const step = await this.#sweepStep();
      removed += step.removed;
      if (!step.more) return removed;
    }
  }

  /** Starts the background sweep (when `ttl.sweepIntervalMinutes` is set); the constructor already did. */
  override start(): void {
    this.#sweeper?.start();
  }

  /** Stops the background sweep, waiting for a running step; the agentstore `Store` stays open. */
  override async stop(): Promise<void> {
    await this.#sweeper?.stop();
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    // Everything is checked before anything is read or written.
    for (const op of operations) checkOperation(op, this.#ttl);
    const results: unknown[] = new Array(operations.length).fill(undefined);
    const now = this.#clock();
    const refreshes: LiveItem[][] = [];
    // Writes apply after the reads of the batch, the last write of a key winning, as in InMemoryStore.
    const writes = new Map<string, AgentstorePutOperation>();
    const queries = await this.#embedQueries(operations);
    for (const [i, op] of operations.entries()) {
      if ('value' in op) writes.set(JSON.stringify(itemKey(op.namespace, op.key)), op);
      else if ('namespacePrefix' in op) {
        const found = await this.#search(op, queries.get(op.query ?? ''), now);
        results[i] = found.map(({ item, score }) => ({ ...toItem(item), score }));
        if (this.#refreshes(op as RefreshOption)) refreshes.push(found.map((f) => f.item));
      } else if ('namespace' in op) {
        const item = await this.#get(op, now);
        results[i] = item === undefined ? null : toItem(item);
        if (item !== undefined && this.#refreshes(op as RefreshOption)) refreshes.push([item]);
      } else results[i] = await this.#listNamespaces(op as ListNamespacesOperation, now);
    }
    if (refreshes.length > 0) await this.#refresh(refreshes.flat(), now);
    if (writes.size > 0) await this.#applyWrites([...writes.values()]);
    return results as OperationResults<Op>;
  }

  #refreshes(op: RefreshOption): boolean {
    return op.refreshTtl ?? this.#ttl.refreshOnRead;
  }

  async #embedQueries(operations: readonly Operation[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (this.#index === undefined) return out;
    const index = this.#index;
    const texts = new Set<string>();
    for (const op of operations) if ('namespacePrefix' in op && op.query) texts.add(op.query);
    await Promise.all([...texts].map(async (text) => out.set(text, await index.embedQuery(text))));
    return out;
  }

  async #get(op: GetOperation, now: number): Promise<LiveItem | undefined> {
    const key = itemKey(op.namespace, op.key);
    const record = (await this.#items.get(key)) as ItemRecord | undefined;
    if (record === undefined) return undefined;
    // A refresh record matters only once the item's own expiry has passed: read it then, not on every get.
    const refresh = needsRefreshRecord(record, now) ? ((await this.#items.get(refreshKey(key))) as RefreshRecord | undefined) : undefined;
    return isLive(record, refresh, now) ? { key, record, refresh } : undefined;
  }

  /** Pushes the expiry of items read to now + their ttl, in refresh records (a read never rewrites an item). */
  async #refresh(read: readonly LiveItem[], now: number): Promise<void> {
    const items = read.filter(({ record }) => record.ttlMs !== undefined && record.stamp !== undefined);
    if (items.length === 0) return;
    // The current refresh records (a read may not have needed them), so a repeated read writes nothing.
    const current = (await this.#items.getMany(items.map(({ key }) => refreshKey(key)))) as Array<RefreshRecord | undefined>;
    const entries: Array<[Key, RefreshRecord]> = [];
    for (const [i, { key, record }] of items.entries()) {
      const refresh = current[i];
      if (record.ttlMs === undefined || record.stamp === undefined) continue;
      const until = now + record.ttlMs;
      // Reads in quick succession write once: an expiry already this close to `until` is left as is.
      const slack = Math.min(1000, record.ttlMs / 100);
      if ((expiryOf(record, refresh) as number) >= until - slack) continue;
      entries.push([refreshKey(key), { until, stamp: record.stamp }]);
    }
    if (entries.length > 0) await this.#items.putMany(entries);
  }

  async #search(op: SearchOperation, queryVector: number[] | undefined, now: number) {
    const limit = op.limit ?? 10;
    const offset = op.offset ?? 0;
    if (limit <= 0) return [];
    const prefix = op.namespacePrefix.length > 0 ? (op.namespacePrefix as Key) : undefined;
    if (queryVector !== undefined && this.#vectors !== undefined && this.#index !== undefined) {
      const vectorsPerItem = Math.max(1, this.#index.fields.length);
      return vectorSearch(
        this.#items,
        this.#vectors,
        { vector: queryVector, prefix, filter: op.filter, offset, limit, vectorsPerItem },
        now,
      );
    }
    let skip = offset;
    const out: Array<{ item: LiveItem; score: undefined }> = [];
    for await (const item of liveItems(this.#items, prefix === undefined ? {} : { prefix }, now, PAGE)) {
      if (op.filter && !matchesStoreFilter(item.record.value, op.filter)) continue;
      if (skip > 0) skip--;
      else out.push({ item, score: undefined });
      if (out.length >= limit) break;
    }
    return out;
  }

  async #applyWrites(ops: readonly AgentstorePutOperation[]): Promise<void> {
    const now = this.#clock();
    const plans = ops.map((op) => {
      const key = itemKey(op.namespace, op.key);
      if (op.value === null) return { op, key, ttlMs: undefined, texts: new Map<string, string>() };
      const ttlMs = putTtlMs(op.options?.ttl, this.#ttl);
      return { op, key, ttlMs, texts: this.#textsOf(op) };
    });
    // Embeddings first, one call for the batch's distinct texts: a failing model leaves nothing written.
    const distinct = [...new Set(plans.flatMap((p) => [...p.texts.values()]))];
    const embedded = new Map<string, number[]>();
    if (distinct.length > 0 && this.#index !== undefined) {
      const vectors = await this.#index.embedDocuments(distinct);
      for (const [i, text] of distinct.entries()) embedded.set(text, vectors[i] as number[]);
    }
    const replaced: Array<{ key: Key; record: ItemRecord }> = [];
    await this.#lock.run(async () => {
      const old = (await this.#items.getMany(plans.map((p) => p.key))) as Array<ItemRecord | undefined>;
      // Refresh records decide only whether a replaced item had expired (its createdAt then starts over).
      const expiredBefore = old.flatMap((record, i) => (record !== undefined && needsRefreshRecord(record, now) ? [i] : []));
      const refreshRead =
        expiredBefore.length > 0 ? await this.#items.getMany(expiredBefore.map((i) => refreshKey((plans[i] as { key: Key }).key))) : [];
      const oldRefresh = new Map(expiredBefore.map((i, j) => [i, refreshRead[j] as RefreshRecord | undefined]));
      const at = new Date(now);
      const puts: Array<[Key, unknown]> = [];
      const deletes: Key[] = [];
      const newVectors: Array<{ key: Key; vector: number[]; metadata?: Record<string, Json> }> = [];
      plans.forEach(({ op, key, ttlMs, texts }, i) => {
        const previous = old[i];
        const previousRefresh = oldRefresh.get(i);
        if (previous !== undefined) {
          replaced.push({ key, record: previous });
          if (previous.expiresAt !== undefined) deletes.push(expiryKey(previous.expiresAt, key), refreshKey(key));
        }
        if (op.value === null) {
          deletes.push(key);
          return;
        }
        const stamp = ttlMs !== undefined || texts.size > 0 ? newStamp(now) : undefined;
        const live = previous !== undefined && isLive(previous, previousRefresh, now);
        const record: ItemRecord = {
          value: op.value,
          createdAt: live ? previous.createdAt : at,
          updatedAt: at,
          ...(ttlMs === undefined ? {} : { ttlMs, expiresAt: now + ttlMs }),
          ...(stamp === undefined ? {} : { stamp }),
          ...(texts.size === 0 ? {} : { vectors: [...texts.keys()] }),
        };
        puts.push([key, record]);
        if (ttlMs !== undefined) puts.push([expiryKey(now + ttlMs, key), stamp]);
        const metadata = vectorMetadata(op.value);
        for (const [name, text] of texts) {
          newVectors.push({
            key: vectorKey(key, stamp as string, name),
            vector: embedded.get(text) as number[],
            ...(metadata ? { metadata } : {}),
          });
        }
      });
      // New vectors before the items naming them: a crash in between leaves vectors nothing counts.
      if (newVectors.length > 0) await this.#vectors?.upsertMany(newVectors);
      if (puts.length > 0) await this.#items.putMany(puts);
      // A deleted key among `puts` (an old expiry entry equal to a new one) must survive: drop it here.
      const written = new Set(puts.map(([k]) => JSON.stringify(k)));
      const toDelete = deletes.filter((k) => !written.has(JSON.stringify(k)));
      if (toDelete.length > 0) await this.#items.deleteMany(toDelete);
    });
    // The replaced versions' vectors, once nothing names them.
    if (this.#vectors !== undefined) await deleteVectors(this.#vectors, replaced);
  }

  /** The texts a put embeds: none without an index or with `index: false`. */
  #textsOf(op: AgentstorePutOperation): Map<string, string> {
    if (this.#index === undefined || op.index === false || op.value === null) return new Map();
    const fields: readonly FieldPath[] =
      op.index === undefined || op.index === null ? this.#index.fields : parseFieldPaths(op.index, 'put');
    return itemTexts(op.value, fields);
  }

  #sweepStep(): Promise<SweepStep> {
    return sweepStep(this.#items, this.#vectors, this.#lock, this.#clock());
  }

  /** Distinct namespaces, found by jumping from one namespace's first live item to the next namespace. */
  async #listNamespaces(op: ListNamespacesOperation, now: number): Promise<string[][]> {
    const conditions = op.matchConditions ?? [];
    const literal = leadingLiteral(conditions.find((c) => c.matchType === 'prefix')?.path ?? []);
    const { maxDepth } = op;
    const limit = op.limit ?? 100;
    let skip = op.offset ?? 0;
    const out: string[][] = [];
    const seen = new Set<string>();
    let from: Key | undefined;
    while (out.length < limit) {
      let found: Key | undefined;
      const start = { ...(literal.length > 0 ? { prefix: literal } : {}), ...(from === undefined ? {} : { gte: from }) };
      for await (const item of liveItems(this.#items, start, now, 4)) {
        found = item.key;
        break;
      }
      if (found === undefined) break;
      const [namespace] = splitItemKey(found);
      const shown = maxDepth === undefined ? namespace : namespace.slice(0, maxDepth);
      const matches = conditions.every((c) => matchesCondition(c, namespace));
      // Past every namespace that truncates to `shown` once it matched; else past this namespace's items.
      from = matches && shown.length < namespace.length ? afterNamespace(shown) : [...namespace, END_OF_NAMESPACE + 1];
      if (!matches) continue;
      const id = JSON.stringify(shown);
      if (seen.has(id)) continue;
      seen.add(id);
      if (skip > 0) skip--;
      else out.push(shown);
    }
    return out;
  }
}

function toItem({ key, record }: LiveItem): Item {
  const [namespace, name] = splitItemKey(key);
  return { value: record.value, key: name, namespace, createdAt: record.createdAt, updatedAt: record.updatedAt };
}

function leadingLiteral(path: readonly string[]): string[] {
  const wildcard = path.indexOf('*');
  return [...(wildcard === -1 ? path : path.slice(0, wildcard))];
}

function matchesCondition({ matchType, path }: MatchCondition, namespace: readonly string[]): boolean {
  if (path.length > namespace.length) return false;
  const offset = matchType === 'suffix' ? namespace.length - path.length : 0;
  return path.every((label, i) => label === '*' || namespace[offset + i] === label);
}

/** Throws `INVALID_KEY` / `INVALID_VALUE` on a malformed operation. */
function checkOperation(op: Operation, ttl: ResolvedTtl): void {
  if ('value' in op) {
    checkNamespace(op.namespace, false);
    checkItemKey(op.key);
    if (op.value === null) return;
    if (typeof op.value !== 'object' || Array.isArray(op.value)) throw new StoreError('INVALID_VALUE', 'an item value is an object');
    const { index } = op;
    if (index !== undefined && index !== null && index !== false) parseFieldPaths(index, 'put');
    putTtlMs((op as AgentstorePutOperation).options?.ttl, ttl);
  } else if ('namespacePrefix' in op) checkNamespace(op.namespacePrefix, true);
  else if ('namespace' in op) {
    checkNamespace(op.namespace, true);
    checkItemKey(op.key);
  }
}

function checkNamespace(namespace: unknown, allowEmpty: boolean): asserts namespace is string[] {
  if (!Array.isArray(namespace) || (!allowEmpty && namespace.length === 0) || namespace.some((l) => typeof l !== 'string' || l === '')) {
    throw new StoreError('INVALID_KEY', 'a namespace is an array of non-empty strings');
  }
}

function checkItemKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new StoreError('INVALID_KEY', 'an item key is a string');
}
