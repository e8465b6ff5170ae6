import type { ByteRange, Bytes } from '../spi/backend.js';

/** Entries per synchronous read while a scan pages through a range (the adapters' own page size). */
export const READ_PAGE = 256;

/** The next page of `window`: at most `READ_PAGE` entries of it, in its order. */
export function nextPage(window: ByteRange): ByteRange {
  if (window.limit !== undefined && window.limit <= READ_PAGE) return window;
  return { ...window, limit: READ_PAGE };
}

/**
 * What is left of `window` once `page` returned `rows`: undefined when nothing is (the range or its
 * limit is exhausted), else the range after the last row (before it, in reverse), keyset style.
 */
export function afterPage(window: ByteRange, page: ByteRange, rows: ReadonlyArray<readonly [Bytes, Bytes]>): ByteRange | undefined {
  const last = rows[rows.length - 1];
  if (last === undefined || rows.length < (page.limit as number)) return undefined;
  if (window.limit !== undefined && window.limit <= rows.length) return undefined;
  const next: { -readonly [K in keyof ByteRange]: ByteRange[K] } = {};
  if (window.reverse === true) {
    if (window.gt !== undefined) next.gt = window.gt;
    if (window.gte !== undefined) next.gte = window.gte;
    next.lt = last[0];
    next.reverse = true;
  } else {
    next.gt = last[0];
    if (window.lt !== undefined) next.lt = window.lt;
    if (window.lte !== undefined) next.lte = window.lte;
  }
  if (window.limit !== undefined) next.limit = window.limit - rows.length;
  return next;
}
