/** Human-readable names for values a codec refuses, so INVALID_VALUE messages say what was found. */

function className(value: object): string | undefined {
  try {
    const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
    return typeof ctor === 'function' && ctor.name ? ctor.name : undefined;
  } catch {
    // A Proxy may throw from getPrototypeOf: we only wanted a name.
    return undefined;
  }
}

/** Why `value` (an object the codec does not support) is refused, e.g. `cannot encode a WeakMap`. */
export function describeUnsupportedObject(value: object): string {
  if (value instanceof Error) {
    return `cannot encode an Error (${className(value) ?? 'Error'}): errors are not supported, store their name, message and stack as plain data`;
  }
  if (value instanceof Promise) return 'cannot encode a Promise';
  if (value instanceof WeakMap) return 'cannot encode a WeakMap';
  if (value instanceof WeakSet) return 'cannot encode a WeakSet';
  if (value instanceof WeakRef) return 'cannot encode a WeakRef';
  if (value instanceof SharedArrayBuffer) return 'cannot encode a SharedArrayBuffer';
  if (Array.isArray(value)) return `cannot encode an array subclass (${className(value) ?? 'anonymous'})`;
  const name = className(value);
  return name === undefined
    ? 'cannot encode an object with a non-plain prototype'
    : `cannot encode an instance of ${name} (only plain objects, arrays and the supported built-ins are)`;
}

/** Why a primitive the codec does not support is refused. */
export function describeUnsupportedPrimitive(value: unknown): string {
  if (typeof value === 'function') return `cannot encode a function${value.name ? ` (${value.name})` : ''}`;
  return `cannot encode a ${typeof value}`;
}
