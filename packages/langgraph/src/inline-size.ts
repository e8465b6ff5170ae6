/**
 * Whether `value` is small enough to be carried in its checkpoint's record: a walk that counts roughly
 * one unit per byte it would encode to, and stops as soon as `budget` is spent. It must decide the
 * same way for the same value every time (a channel version's value is carried or not, for good), and
 * costs a fraction of an encoding.
 */
export function fitsInline(value: unknown, budget: number): boolean {
  return remaining(value, budget) >= 0;
}

function remaining(value: unknown, budget: number): number {
  if (budget < 0) return budget;
  switch (typeof value) {
    case 'string':
      return budget - value.length - 2;
    case 'number':
    case 'bigint':
      return budget - 9;
    case 'object': {
      if (value === null) return budget - 1;
      if (ArrayBuffer.isView(value)) return budget - value.byteLength - 4;
      let left = budget - 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && left >= 0; i++) left = remaining(value[i], left - 1);
        return left;
      }
      if (value instanceof Map || value instanceof Set) {
        for (const [k, v] of value.entries()) {
          if (left < 0) return left;
          left = remaining(v, remaining(k, left - 1));
        }
        return left;
      }
      for (const key in value) {
        if (left < 0) return left;
        if (!Object.hasOwn(value, key)) continue;
        left = remaining((value as Record<string, unknown>)[key], left - key.length - 2);
      }
      return left;
    }
    default:
      return budget - 1;
  }
}
