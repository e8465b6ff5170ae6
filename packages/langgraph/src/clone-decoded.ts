/** What `cloneDecoded` returns for a value it does not copy (the caller decodes afresh instead). */
export const UNCLONED: unique symbol = Symbol('uncloned');

/**
 * A deep copy of `value` as agentstore's default codec decodes it: primitives, arrays, plain objects
 * (an own `__proto__` key stays an own key), Dates, Maps and Sets; `UNCLONED` when it meets anything
 * else (a class instance, typed array, RegExp), so that a copy is never a different value than a
 * fresh decode would be. A decoded tree shares no node, so neither does the copy.
 */
export function cloneDecoded(value: unknown): unknown {
  // `for…in` walks a plain object's keys faster than `Object.keys` but also meets what someone made
  // enumerable on Object.prototype: it is used only while there is nothing of the kind.
  for (const _ in Object.prototype) return copy(value, false);
  return copy(value, true);
}

function copy(value: unknown, forIn: boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const item = value[i];
      const made = typeof item === 'object' && item !== null ? copy(item, forIn) : item;
      if (made === UNCLONED) return UNCLONED;
      out[i] = made;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = {};
    if (forIn) {
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (typeof item !== 'object' || item === null) {
          if (key === '__proto__') own(out, key, item);
          else out[key] = item;
        } else if (!setCopy(out, key, item, forIn)) return UNCLONED;
      }
    } else {
      for (const key of Object.keys(value)) if (!setCopy(out, key, (value as Record<string, unknown>)[key], forIn)) return UNCLONED;
    }
    return out;
  }
  if (proto === Date.prototype) return new Date((value as Date).getTime());
  if (proto === Map.prototype) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value as Map<unknown, unknown>) {
      const key = copy(k, forIn);
      const made = copy(v, forIn);
      if (key === UNCLONED || made === UNCLONED) return UNCLONED;
      out.set(key, made);
    }
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set<unknown>();
    for (const v of value as Set<unknown>) {
      const made = copy(v, forIn);
      if (made === UNCLONED) return UNCLONED;
      out.add(made);
    }
    return out;
  }
  return UNCLONED;
}

/** Sets `out[key]` to a copy of `item` as an own data property; false when `item` is not copied. */
function setCopy(out: Record<string, unknown>, key: string, item: unknown, forIn: boolean): boolean {
  const made = typeof item === 'object' && item !== null ? copy(item, forIn) : item;
  if (made === UNCLONED) return false;
  // Assignment would call the prototype setter: `__proto__` is defined as the plain own key it was.
  if (key === '__proto__') own(out, key, made);
  else out[key] = made;
  return true;
}

function own(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
}
