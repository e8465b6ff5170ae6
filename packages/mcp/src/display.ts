import { toDisplay } from '@agentstore/core/admin';
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
