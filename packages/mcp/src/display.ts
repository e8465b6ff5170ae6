/**
 * Values as plain JSON a model can read: what JSON cannot say is tagged, `{"$bigint": "12"}`,
 * `{"$date": "…"}`, `{"$map": [[k, v], …]}`, `{"$set": […]}`, `{"$bytes": "<base64>"}`. The same tags
 * as the CLI's `get`/`ls` output (packages/cli/src/render.ts), so both tools show a value the same way.
 */
export function toDisplay(value: unknown, seen = new Set<object>()): unknown {
  switch (typeof value) {
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return { $unsupported: typeof value };
  }
  if (value === null) return null;
  if (seen.has(value)) return { $cycle: true };
  seen.add(value);
  try {
    if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() };
    if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (ArrayBuffer.isView(value))
      return { $typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<unknown>, (v) => toDisplay(v, seen)) };
    if (value instanceof RegExp) return { $regexp: String(value) };
    if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toDisplay(k, seen), toDisplay(v, seen)]) };
    if (value instanceof Set) return { $set: [...value].map((v) => toDisplay(v, seen)) };
    if (Array.isArray(value)) return value.map((v) => toDisplay(v, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toDisplay(v, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Bytes of `value` as compact JSON (what a page is bounded by). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

/** Room kept in a page entry for what sits beside its value (field names, seq, times). */
export const ENTRY_OVERHEAD = 128;

/**
 * `value` for display, or, when its JSON is over `budget` bytes, a marker with its size and the start
 * of its JSON (a quarter of the budget at most, so even an escaped preview fits), so one huge value
 * cannot blow up a reply. `budget` is what the page bound leaves for the value (see `valueBudget`).
 */
export function boundedValue(value: unknown, budget: number): unknown {
  const shown = toDisplay(value);
  const text = JSON.stringify(shown) ?? 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes <= budget) return shown;
  return { $truncated: true, bytes, preview: text.slice(0, Math.min(1024, Math.floor(budget / 4))) };
}

/** Bytes a page of `maxBytes` leaves for one value beside `besides` (e.g. its key); never below 256. */
export function valueBudget(maxBytes: number, besides: unknown = null): number {
  return Math.max(256, maxBytes - jsonBytes(besides) - ENTRY_OVERHEAD);
}
