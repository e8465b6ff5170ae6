import type { DomainStore, Key } from '@agentstore/core';
import { entryKind, ITEMS_START, type ItemRecord, isLive, type RefreshRecord } from './store-records.js';

/** An item as a scan finds it, with the refresh record that followed it. */
export interface LiveItem {
  readonly key: Key;
  readonly record: ItemRecord;
  readonly refresh: RefreshRecord | undefined;
}

/** Where a scan starts: a namespace prefix and/or a key at or after which it starts. */
export interface ScanStart {
  readonly prefix?: Key;
  readonly gte?: Key;
}

/**
 * Streams the items of `start` that are not expired at `now`, in key order, one page per read: an
 * item is held until the next entry shows whether a refresh record follows it.
 */
export async function* liveItems(kv: DomainStore<unknown>, start: ScanStart, now: number, pageSize: number): AsyncGenerator<LiveItem> {
  let pending: { key: Key; record: ItemRecord } | undefined;
  let after: Key | undefined;
  const lower = start.gte ?? (start.prefix === undefined ? ITEMS_START : undefined);
  for (;;) {
    const range = {
      ...(start.prefix === undefined ? {} : { prefix: start.prefix }),
      ...(after !== undefined ? { gt: after } : lower !== undefined ? { gte: lower } : {}),
      limit: pageSize,
    };
    // The page is read whole before anything is yielded: no engine iterator stays open while a caller works.
    const page: Array<[Key, unknown]> = [];
    for await (const entry of kv.entries(range)) page.push(entry);
    for (const [key, value] of page) {
      after = key;
      const kind = entryKind(key);
      if (kind === 'refresh' && pending !== undefined) {
        const refresh = value as RefreshRecord;
        if (isLive(pending.record, refresh, now)) yield { ...pending, refresh };
        pending = undefined;
        continue;
      }
      if (pending !== undefined && isLive(pending.record, undefined, now)) yield { ...pending, refresh: undefined };
      pending = kind === 'item' ? { key, record: value as ItemRecord } : undefined;
    }
    if (page.length < pageSize) {
      if (pending !== undefined && isLive(pending.record, undefined, now)) yield { ...pending, refresh: undefined };
      return;
    }
  }
}
