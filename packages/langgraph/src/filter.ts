/** Structural equality of plain data (objects, arrays, Dates, primitives; NaN equals NaN). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => deepEqual(v, other[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether checkpoint metadata matches a `list` filter: every given top-level key deep-equals. */
export function matchesFilter(metadata: unknown, filter: Record<string, unknown>): boolean {
  const md = (metadata ?? {}) as Record<string, unknown>;
  return Object.entries(filter).every(([key, value]) => deepEqual(md[key], value));
}

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k));
}

/** One store filter condition: a value (deep equality) or operators `$eq $ne $gt $gte $lt $lte $in $nin`. */
function matchesCondition(actual: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return deepEqual(actual, condition);
  return Object.entries(condition).every(([op, operand]) => {
    switch (op) {
      case '$eq':
        return deepEqual(actual, operand);
      case '$ne':
        return !deepEqual(actual, operand);
      case '$gt':
        return Number(actual) > Number(operand);
      case '$gte':
        return Number(actual) >= Number(operand);
      case '$lt':
        return Number(actual) < Number(operand);
      case '$lte':
        return Number(actual) <= Number(operand);
      case '$in':
        return Array.isArray(operand) && operand.some((v) => deepEqual(actual, v));
      case '$nin':
        return !Array.isArray(operand) || !operand.some((v) => deepEqual(actual, v));
      default:
        return false;
    }
  });
}

/** Whether a store item's value matches a search filter (top-level keys, as LangGraph's stores do). */
export function matchesStoreFilter(value: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, condition]) => matchesCondition(value[key], condition));
}
