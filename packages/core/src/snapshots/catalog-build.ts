import { StoreError } from '../errors.js';
import type { IndexSpec, IndexSpecs } from './catalog-index.js';
import type { CatalogKey, CatalogView, Snapshot } from './types.js';

// Scope names and ids are joined into one map key; ids compare as strings (`5` and `'5'` are one id).
const SEP = '\u0000';

/** One built index: records by scoped id or alias, and lists by scope. */
interface BuiltIndex {
  readonly depth: number;
  readonly byKey: Map<string, unknown>;
  readonly all: unknown[];
  readonly byScope: Map<string, unknown[]>;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** The entries of a collection: `[name, value]` for an array (its `id`, else its index), an object or a Map. */
function entriesOf(collection: unknown, where: string): Array<[string | undefined, unknown]> {
  if (Array.isArray(collection)) return collection.map((v) => [undefined, v]);
  if (collection instanceof Map)
    return [...collection].map(([k, v]) => [typeof k === 'string' || typeof k === 'number' ? String(k) : undefined, v]);
  if (isRecordLike(collection)) return Object.entries(collection);
  throw new StoreError('INVALID_VALUE', `${where} is not an array, an object or a Map`);
}

function idOf(record: unknown, field: string): string | undefined {
  if (!isRecordLike(record)) return undefined;
  const value = record instanceof Map ? record.get(field) : record[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function child(value: unknown, segment: string): unknown {
  if (value instanceof Map) return value.get(segment);
  return isRecordLike(value) ? value[segment] : undefined;
}

/** Collects `[scope names, collection]` pairs reached by `path`; a missing collection reaches nothing. */
function collections(root: unknown, path: readonly string[]): Array<[string[], unknown]> {
  let frontier: Array<[string[], unknown]> = [[[], root]];
  for (const segment of path) {
    const next: Array<[string[], unknown]> = [];
    for (const [scope, value] of frontier) {
      if (segment !== '*') {
        const c = child(value, segment);
        if (c !== undefined && c !== null) next.push([scope, c]);
        continue;
      }
      for (const [name, entry] of entriesOf(value, `the value at "*" after ${scope.join('.') || 'the root'}`)) {
        const scopeName = name ?? idOf(entry, 'id');
        if (scopeName === undefined) throw new StoreError('INVALID_VALUE', 'an array element walked by "*" has no string or number id');
        next.push([[...scope, scopeName], entry]);
      }
    }
    frontier = next;
  }
  return frontier;
}

function aliasesOf(record: unknown, fields: readonly string[], index: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const value = isRecordLike(record) ? (record instanceof Map ? record.get(f) : record[f]) : undefined;
    if (value === undefined || value === null) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const a of list) {
      if (typeof a !== 'string' && typeof a !== 'number')
        throw new StoreError('INVALID_VALUE', `index "${index}": alias field "${f}" holds a non-string`);
      out.push(String(a));
    }
  }
  return out;
}

/** Builds one index; `INVALID_VALUE` on a duplicate id or an alias that names two records. */
function buildIndex(name: string, spec: IndexSpec, root: unknown): BuiltIndex {
  const depth = spec.path.filter((s) => s === '*').length;
  const byKey = new Map<string, unknown>();
  const ids = new Set<string>();
  const all: unknown[] = [];
  const byScope = new Map<string, unknown[]>();
  const aliasOwner = new Map<string, string>();
  for (const [scope, collection] of collections(root, spec.path)) {
    const scopeKey = scope.join(SEP);
    const list: unknown[] = [];
    for (const [entryName, record] of entriesOf(collection, `index "${name}" collection ${spec.path.join('.')}`)) {
      const id = idOf(record, spec.key) ?? entryName;
      if (id === undefined) throw new StoreError('INVALID_VALUE', `index "${name}": a record has no "${spec.key}"`);
      const full = scope.length === 0 ? id : `${scopeKey}${SEP}${id}`;
      if (ids.has(full)) throw new StoreError('INVALID_VALUE', `index "${name}": two records have the id "${id}"`);
      ids.add(full);
      byKey.set(full, record);
      list.push(record);
      all.push(record);
      for (const alias of aliasesOf(record, spec.aliases, name)) {
        const aliasKey = scope.length === 0 ? alias : `${scopeKey}${SEP}${alias}`;
        if (aliasKey === full) continue;
        const owner = aliasOwner.get(aliasKey);
        if (owner !== undefined && owner !== full)
          throw new StoreError('INVALID_VALUE', `index "${name}": alias "${alias}" names two records`);
        aliasOwner.set(aliasKey, full);
      }
    }
    byScope.set(scopeKey, Object.freeze(list) as unknown[]);
  }
  // Ids win over aliases: an alias equal to another record's id in its scope is a conflict.
  for (const [aliasKey, owner] of aliasOwner) {
    if (ids.has(aliasKey)) throw new StoreError('INVALID_VALUE', `index "${name}": an alias of one record is the id of another`);
    byKey.set(aliasKey, byKey.get(owner));
  }
  return { depth, byKey, all: Object.freeze(all) as unknown[], byScope };
}

/** Builds every declared index over `root` (at `put`, to refuse a bad catalog before writing; at read, once per epoch). */
export function buildIndexes(specs: IndexSpecs, root: unknown): Map<string, BuiltIndex> {
  const out = new Map<string, BuiltIndex>();
  for (const [name, spec] of Object.entries(specs)) out.set(name, buildIndex(name, spec, root));
  return out;
}

function parts(key: CatalogKey, what: string): string[] {
  if (typeof key === 'string' || typeof key === 'number') return [String(key)];
  if (Array.isArray(key) && key.every((p) => typeof p === 'string' || typeof p === 'number')) return key.map(String);
  throw new StoreError('INVALID_VALUE', `a catalog ${what} is a string, a number or a list of them`);
}

/** The frozen view of one snapshot with its built indexes (`M` is the caller's record typing). */
export function catalogView<S, M extends Record<string, unknown>>(snap: Snapshot<S>, built: Map<string, BuiltIndex>): CatalogView<S, M> {
  // The index asked for last: a caller looking up one index in a loop skips the map read of its name.
  let lastName: string | undefined;
  let lastIndex: BuiltIndex | undefined;
  const indexOf = (name: string): BuiltIndex => {
    if (name === lastName) return lastIndex as BuiltIndex;
    const index = built.get(name);
    if (index === undefined)
      throw new StoreError('INVALID_VALUE', `the snapshot of epoch ${snap.epoch} declares no index "${String(name)}"`);
    lastName = name;
    lastIndex = index;
    return index;
  };
  return Object.freeze({
    snapshot: snap.snapshot,
    epoch: snap.epoch,
    opts: snap.opts,
    lookup<I extends keyof M & string>(name: I, key: CatalogKey): M[I] | undefined {
      const index = indexOf(name);
      // The common case — an unscoped index and a string id — is one map read.
      if (typeof key === 'string' && index.depth === 0) return index.byKey.get(key) as M[I] | undefined;
      const p = parts(key, 'key');
      if (p.length !== index.depth + 1) throw new StoreError('INVALID_VALUE', `index "${name}" takes ${index.depth} scope names and an id`);
      return index.byKey.get(p.join(SEP)) as M[I] | undefined;
    },
    list<I extends keyof M & string>(name: I, scope?: CatalogKey): ReadonlyArray<M[I]> {
      const index = indexOf(name);
      if (scope === undefined) return index.all as M[I][];
      const p = parts(scope, 'scope');
      if (p.length !== index.depth) throw new StoreError('INVALID_VALUE', `index "${name}" takes ${index.depth} scope names`);
      return (index.byScope.get(p.join(SEP)) ?? EMPTY) as M[I][];
    },
    indexes: () => [...built.keys()],
  });
}
