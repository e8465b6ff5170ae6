function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Freezes every plain object and array reachable from `root`, also inside Map and Set entries, and
 * returns `root`. Maps, Sets, Dates, RegExps and typed arrays themselves stay mutable: freezing does
 * not protect their internal slots (and typed arrays with elements cannot be frozen at all). Iterative,
 * so deep values cannot overflow the stack.
 */
export function deepFreeze<T>(root: T): T {
  const stack: unknown[] = [root];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value) || isPlainObject(value)) {
      Object.freeze(value);
      for (const child of Object.values(value)) stack.push(child);
    } else if (value instanceof Map) {
      for (const [k, v] of value) stack.push(k, v);
    } else if (value instanceof Set) {
      for (const v of value) stack.push(v);
    }
  }
  return root;
}
