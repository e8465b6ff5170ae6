import { type DomainStore, type Key, type Store, StoreError } from '@agentstore/core';
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
} from '@langchain/langgraph-checkpoint';
import { matchesStoreFilter } from './filter.js';
import { afterPrefix } from './layout.js';
import { PAGE } from './paging.js';

/** Options of `new AgentstoreStore(store, options)`. */
export interface AgentstoreStoreOptions {
  /** kv domain holding the items; default `'langgraph_store'`. */
  readonly domain?: string;
}

/** What one item is stored as; `namespace` and `key` are in its kv key. */
interface ItemRecord {
  readonly value: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

// Items are keyed [...namespace, 0, key]: labels are strings and numbers sort before strings, so a
// namespace's own items come before its sub-namespaces and a namespace prefix is a tuple prefix.
const END_OF_NAMESPACE = 0;

/**
 * LangGraph's long-term memory store (`BaseStore`) on one agentstore kv domain: get, put, delete,
 * search by namespace prefix with filters, limit and offset, and listNamespaces. Items come back in
 * key order. There is no vector index: a search `query` is ignored, as `InMemoryStore` without an
 * index ignores it.
 */
export class AgentstoreStore extends BaseStore {
  readonly #items: DomainStore<ItemRecord>;

  constructor(store: Store, options: AgentstoreStoreOptions = {}) {
    super();
    const domain = options.domain ?? 'langgraph_store';
    assertDomainName(domain);
    this.#items = store.kv<ItemRecord>(domain);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = new Array(operations.length).fill(undefined);
    // Writes apply after the reads of the batch, the last write of a key winning, as in InMemoryStore.
    const writes = new Map<string, PutOperation>();
    for (const [i, op] of operations.entries()) {
      if ('value' in op) {
        checkNamespace(op.namespace, false);
        checkItemKey(op.key);
        writes.set(JSON.stringify(itemKey(op.namespace, op.key)), op);
      } else if ('namespacePrefix' in op) results[i] = await this.#search(op);
      else if ('namespace' in op) results[i] = await this.#get(op);
      else results[i] = await this.#listNamespaces(op as ListNamespacesOperation);
    }
    if (writes.size > 0) await this.#applyWrites([...writes.values()]);
    return results as OperationResults<Op>;
  }

  async #get(op: GetOperation): Promise<Item | null> {
    checkNamespace(op.namespace, true);
    checkItemKey(op.key);
    const record = await this.#items.get(itemKey(op.namespace, op.key));
    return record === undefined ? null : toItem(op.namespace, op.key, record);
  }

  async #applyWrites(ops: readonly PutOperation[]): Promise<void> {
    const puts = ops.filter((op) => op.value !== null);
    const deletes = ops.filter((op) => op.value === null);
    if (puts.length > 0) {
      const keys = puts.map((op) => itemKey(op.namespace, op.key));
      const existing = await this.#items.getMany(keys);
      const now = new Date();
      await this.#items.putMany(
        puts.map(
          (op, i) =>
            [
              keys[i] as Key,
              { value: op.value as Record<string, unknown>, createdAt: existing[i]?.createdAt ?? now, updatedAt: now },
            ] as const,
        ),
      );
    }
    if (deletes.length > 0) await this.#items.deleteMany(deletes.map((op) => itemKey(op.namespace, op.key)));
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    checkNamespace(op.namespacePrefix, true);
    const limit = op.limit ?? 10;
    let skip = op.offset ?? 0;
    const out: SearchItem[] = [];
    if (limit <= 0) return out;
    const prefix = op.namespacePrefix.length > 0 ? (op.namespacePrefix as Key) : undefined;
    let lower: Key | undefined;
    for (;;) {
      const page: Array<[Key, ItemRecord]> = [];
      for await (const entry of this.#items.entries({ ...(prefix ? { prefix } : {}), ...(lower ? { gt: lower } : {}), limit: PAGE }))
        page.push(entry);
      for (const [key, record] of page) {
        if (op.filter && !matchesStoreFilter(record.value, op.filter)) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        const [namespace, itemName] = splitKey(key);
        out.push({ ...toItem(namespace, itemName, record), score: undefined });
        if (out.length >= limit) return out;
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return out;
      lower = last[0];
    }
  }

  /** Distinct namespaces, found by jumping from one namespace's items to the next namespace. */
  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
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
      const range = { ...(literal.length > 0 ? { prefix: literal } : {}), ...(from === undefined ? {} : { gte: from }), limit: 1 };
      for await (const key of this.#items.keys(range)) found = key;
      if (found === undefined) break;
      const [namespace] = splitKey(found);
      const shown = maxDepth === undefined ? namespace : namespace.slice(0, maxDepth);
      const matches = conditions.every((c) => matchesCondition(c, namespace));
      // Past every namespace that truncates to `shown` once it matched; else past this namespace's items.
      from = matches && shown.length < namespace.length ? afterPrefix(shown) : [...namespace, END_OF_NAMESPACE + 1];
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

function itemKey(namespace: readonly string[], key: string): Key {
  return [...namespace, END_OF_NAMESPACE, key];
}

function splitKey(key: Key): [string[], string] {
  const parts = key as Array<string | number>;
  const end = parts.indexOf(END_OF_NAMESPACE);
  return [parts.slice(0, end) as string[], parts[end + 1] as string];
}

function toItem(namespace: string[], key: string, record: ItemRecord): Item {
  return { value: record.value, key, namespace, createdAt: record.createdAt, updatedAt: record.updatedAt };
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

function checkNamespace(namespace: unknown, allowEmpty: boolean): asserts namespace is string[] {
  if (!Array.isArray(namespace) || (!allowEmpty && namespace.length === 0) || namespace.some((l) => typeof l !== 'string' || l === '')) {
    throw new StoreError('INVALID_KEY', 'a namespace is an array of non-empty strings');
  }
}

function checkItemKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new StoreError('INVALID_KEY', 'an item key is a string');
}
