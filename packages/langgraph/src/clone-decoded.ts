/** What `cloneDecoded` returns for a value it does not copy (the caller decodes afresh instead). */
export const UNCLONED: unique symbol = Symbol('uncloned');

/**
 * A deep copy of `value` as agentstore's default codec decodes it: primitives, arrays, plain objects
 * (an own `__proto__` key stays an own key), Dates, Maps and Sets; `UNCLONED` when it meets anything
 * else (a class instance, typed array, RegExp), so that a copy is never a different value than a
 * fresh decode would be. A decoded tree shares no node, so neither does the copy.
 */
export function cloneDecoded(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const item = value[i];
      const copy = typeof item === 'object' && item !== null ? cloneDecoded(item) : item;
      if (copy === UNCLONED) return UNCLONED;
      out[i] = copy;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const copy = typeof item === 'object' && item !== null ? cloneDecoded(item) : item;
      if (copy === UNCLONED) return UNCLONED;
      if (key === '__proto__') Object.defineProperty(out, key, { value: copy, writable: true, enumerable: true, configurable: true });
      else out[key] = copy;
    }
    return out;
  }
  if (proto === Date.prototype) return new Date((value as Date).getTime());
  if (proto === Map.prototype) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value as Map<unknown, unknown>) {
      const key = cloneDecoded(k);
      const copy = cloneDecoded(v);
      if (key === UNCLONED || copy === UNCLONED) return UNCLONED;
      out.set(key, copy);
    }
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set<unknown>();
    for (const v of value as Set<unknown>) {
      const copy = cloneDecoded(v);
      if (copy === UNCLONED) return UNCLONED;
      out.add(copy);
    }
    return out;
  }
  return UNCLONED;
}
