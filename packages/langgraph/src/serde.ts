import { defaultCodec, isStoreError, StoreError } from '@agentstore/core';
import { JsonPlusSerializer, type SerializerProtocol } from '@langchain/langgraph-checkpoint';

/** Type tag of a value agentstore's default codec encoded whole. */
export const AGENTSTORE_TYPE = 'agentstore';
/** Type tag of a value encoded by agentstore's codec with class instances handed to the fallback serde. */
export const AGENTSTORE_MIXED_TYPE = 'agentstore+serde';

// A delegated class instance is stored as a one-key object under MARK; a user object whose only key is
// MARK or ESCAPE is wrapped under ESCAPE, so no data can pass for a marker.
const MARK = '\u0000agentstore:serde';
const ESCAPE = '\u0000agentstore:escape';
const MAX_DEPTH = 1000;

type Delegated = { [MARK]: [string, Uint8Array] | null };

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own property; unlike assignment, an own `__proto__` key stays a plain key. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function soleKey(obj: Record<string, unknown>): string | undefined {
  const keys = Object.keys(obj);
  return keys.length === 1 ? keys[0] : undefined;
}

/** Leaves the default codec stores as they are (no children to visit). */
function isNativeLeaf(value: object): boolean {
  return value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * LangGraph's `SerializerProtocol` on agentstore's default codec: BigInt, Date, Map, Set, RegExp,
 * typed arrays, `undefined` and `-0` come back exactly as they were put. Class instances the codec does
 * not know (LangChain messages, `Send`, `Command`, errors) are handed one by one to a fallback serde —
 * LangGraph's own `JsonPlusSerializer` unless another is given — so they load exactly as they would from
 * a stock saver, while the plain data around them keeps agentstore's fidelity. Data written by the
 * fallback under its own type tags (`json`, `bytes`) still loads.
 */
export class AgentstoreSerde implements SerializerProtocol {
  readonly #fallback: SerializerProtocol;

  constructor(fallback: SerializerProtocol = new JsonPlusSerializer()) {
    this.#fallback = fallback;
  }

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    try {
      return [AGENTSTORE_TYPE, defaultCodec.encode(data)];
    } catch (err) {
      if (!isStoreError(err, 'INVALID_VALUE')) throw err;
    }
    const foreign: Array<{ value: unknown; marker: Delegated }> = [];
    const tree = split(data, foreign, new Set(), 0);
    if (foreign.length === 0) return [AGENTSTORE_TYPE, defaultCodec.encode(tree)];
    const dumped = await Promise.all(foreign.map(({ value }) => this.#fallback.dumpsTyped(value)));
    foreign.forEach(({ marker }, i) => {
      marker[MARK] = dumped[i] as [string, Uint8Array];
    });
    return [AGENTSTORE_MIXED_TYPE, defaultCodec.encode(tree)];
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    if (type !== AGENTSTORE_TYPE && type !== AGENTSTORE_MIXED_TYPE) return this.#fallback.loadsTyped(type, data);
    if (typeof data === 'string') throw new StoreError('DECODE', `${type} data must be bytes`);
    const tree = defaultCodec.decode(data);
    if (type === AGENTSTORE_TYPE) return tree;
    const markers: Delegated[] = [];
    collect(tree, markers);
    const loaded = await Promise.all(
      markers.map((m) => {
        const entry = m[MARK];
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new StoreError('DECODE', 'malformed delegated value');
        return this.#fallback.loadsTyped(entry[0], entry[1]);
      }),
    );
    const byMarker = new Map<unknown, unknown>(markers.map((m, i) => [m, loaded[i]]));
    return join(tree, byMarker);
  }
}

/** Copies `value`, replacing what the codec cannot store with markers listed in `foreign`. */
function split(value: unknown, foreign: Array<{ value: unknown; marker: Delegated }>, path: Set<object>, depth: number): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return delegate(value, foreign);
  if (typeof value !== 'object' || value === null || isNativeLeaf(value)) return value;
  if (path.has(value)) throw new StoreError('INVALID_VALUE', 'cannot encode a cyclic value');
  if (depth > MAX_DEPTH) throw new StoreError('INVALID_VALUE', `value nests deeper than ${MAX_DEPTH} levels`);
  path.add(value);
  try {
    const next = (v: unknown) => split(v, foreign, path, depth + 1);
    const proto = Object.getPrototypeOf(value);
    if (proto === Array.prototype) return (value as unknown[]).map(next);
    if (proto === Map.prototype) return new Map([...(value as Map<unknown, unknown>)].map(([k, v]) => [next(k), next(v)]));
    if (proto === Set.prototype) return new Set([...(value as Set<unknown>)].map(next));
    if (!isPlainObject(value)) return delegate(value, foreign);
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    for (const key of Object.keys(value)) setOwn(out, key, next(value[key]));
    const only = soleKey(out);
    return only === MARK || only === ESCAPE ? { [ESCAPE]: out } : out;
  } finally {
    path.delete(value);
  }
}

function delegate(value: unknown, foreign: Array<{ value: unknown; marker: Delegated }>): Delegated {
  const marker: Delegated = { [MARK]: null };
  foreign.push({ value, marker });
  return marker;
}

/** Lists the markers in a decoded tree. */
function collect(value: unknown, out: Delegated[]): void {
  if (typeof value !== 'object' || value === null || isNativeLeaf(value)) return;
  if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      collect(k, out);
      collect(v, out);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  const only = soleKey(obj);
  if (only === MARK) {
    out.push(obj as Delegated);
    return;
  }
  const inner = only === ESCAPE ? (obj[ESCAPE] as Record<string, unknown>) : obj;
  for (const key of Object.keys(inner)) collect(inner[key], out);
}

/** Rebuilds a decoded tree with markers replaced by what the fallback serde loaded. */
function join(value: unknown, byMarker: Map<unknown, unknown>): unknown {
  if (typeof value !== 'object' || value === null || isNativeLeaf(value)) return value;
  if (Array.isArray(value)) return value.map((v) => join(v, byMarker));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [join(k, byMarker), join(v, byMarker)]));
  if (value instanceof Set) return new Set([...value].map((v) => join(v, byMarker)));
  const obj = value as Record<string, unknown>;
  const only = soleKey(obj);
  if (only === MARK) return byMarker.get(obj);
  const inner = only === ESCAPE ? (obj[ESCAPE] as Record<string, unknown>) : obj;
  for (const key of Object.keys(inner)) setOwn(inner, key, join(inner[key], byMarker));
  return inner;
}
