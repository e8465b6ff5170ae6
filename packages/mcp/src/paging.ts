import { StoreError } from '@agentstore/core';
import { jsonBytes } from './display.js';

/**
 * Cursors are opaque to the client: base64url JSON naming the tool and domain they belong to and the
 * position to go on from. A cursor handed to another tool or domain is refused (`INVALID_VALUE`)
 * rather than silently listing from a wrong place.
 */
interface CursorBody {
  readonly t: string;
  readonly d: string;
  readonly p: unknown;
}

/** Encodes a position of listing `tool` over `domain`. */
export function encodeCursor(tool: string, domain: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ t: tool, d: domain, p: position } satisfies CursorBody)).toString('base64url');
}

/** The position a cursor holds, checked to belong to `tool` over `domain`; undefined for no cursor. */
export function decodeCursor(tool: string, domain: string, cursor: string | undefined): unknown {
  if (cursor === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new StoreError('INVALID_VALUE', 'cursor is not one this server handed out');
  }
  const b = body as Partial<CursorBody> | null;
  if (b === null || typeof b !== 'object' || b.t !== tool || b.d !== domain || !('p' in b))
    throw new StoreError('INVALID_VALUE', `cursor does not belong to ${tool} over "${domain}"`);
  return b.p;
}

/** A position of a given type from a decoded cursor, or `INVALID_VALUE`. */
export function cursorOf<T>(position: unknown, check: (p: unknown) => p is T): T | undefined {
  if (position === undefined) return undefined;
  if (!check(position)) throw new StoreError('INVALID_VALUE', 'cursor is not one this server handed out');
  return position;
}

/** A non-negative integer position. */
export function isOffset(p: unknown): p is number {
  return Number.isSafeInteger(p) && (p as number) >= 0;
}

/** A string position. */
export function isText(p: unknown): p is string {
  return typeof p === 'string';
}

/** One page: the items that fit and whether the listing stopped early (more items, or the byte bound). */
export interface Page<T> {
  readonly items: T[];
  /** True when items were left for a next page. */
  readonly more: boolean;
}

/**
 * Takes items from `candidates` (fetched with one extra, so `more` is exact) while their JSON stays
 * within `maxBytes`; the first item is always taken so a page is never empty while items remain
 * (callers bound a single item's size with `boundedValue`).
 */
export function takePage<T>(candidates: readonly T[], limit: number, maxBytes: number): Page<T> {
  const items: T[] = [];
  let bytes = 2; // the enclosing brackets
  for (const item of candidates) {
    if (items.length >= limit) return { items, more: true };
    const size = jsonBytes(item) + 1;
    if (items.length > 0 && bytes + size > maxBytes) return { items, more: true };
    items.push(item);
    bytes += size;
  }
  return { items, more: false };
}

/** The error for a cursor handed back with another trace, stream or key than the listing it came from. */
export function otherListing(): StoreError {
  return new StoreError('INVALID_VALUE', 'cursor belongs to another listing (other trace, stream or key)');
}
