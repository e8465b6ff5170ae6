import { toDisplay } from '@agentstore/core/admin';

/** One-line JSON of a value for a table cell, cut at `max` characters. */
export function preview(value: unknown, max = 80): string {
  const text = JSON.stringify(toDisplay(value)) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
