import { randomBytes } from 'node:crypto';
import type { Key } from '@agentstore/core';

/**
 * Key shapes of AgentstoreStore's kv domain. Namespace labels are non-empty strings and numbers sort
 * before strings, so:
 *   [...namespace, 0, key]        → ItemRecord    (a namespace's own items before its sub-namespaces)
 *   [...namespace, 0, key, 0]     → RefreshRecord (right after its item: read in the same scan)
 *   [1, expiresAt, ...itemKey]    → stamp         (expiry index the sweep reads, oldest first)
 * Entries with a number first (the expiry index) sort before every item: scans start at ITEMS_START.
 * The vectors domain keys an item's vectors [...itemKey, stamp, vectorName].
 */
export const END_OF_NAMESPACE = 0;
const EXPIRY_INDEX = 1;

/** A lower bound above every expiry index entry and below every item. */
export const ITEMS_START: Key = [''];

/** One stored item; `namespace` and `key` are in its kv key. */
export interface ItemRecord {
  readonly value: Record<string, unknown>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Its time to live, when it has one. */
  readonly ttlMs?: number;
  /** Epoch ms from which it is expired (before any refresh). */
  readonly expiresAt?: number;
  /** Identifies this version of the item: its vectors and refreshes carry it. */
  readonly stamp?: string;
  /** Names of its vectors (under `stamp`), when it was indexed. */
  readonly vectors?: readonly string[];
}

/**
 * A refresh of an item's expiry by a read: a record of its own, so a read never rewrites the item
 * (it could otherwise put back a value another process just replaced). It applies while its stamp
 * is the item's.
 */
export interface RefreshRecord {
  readonly until: number;
  readonly stamp: string;
}

/** The kv key of an item. */
export function itemKey(namespace: readonly string[], key: string): Key {
  return [...namespace, END_OF_NAMESPACE, key];
}

/** The key of an item's refresh record. */
export function refreshKey(item: Key): Key {
  return [...(item as readonly (string | number)[]), END_OF_NAMESPACE];
}

/** The expiry index key of an item expiring at `expiresAt`. */
export function expiryKey(expiresAt: number, item: Key): Key {
  return [EXPIRY_INDEX, expiresAt, ...(item as readonly (string | number)[])];
}

/** Range of the expiry index entries due at or before `now`. */
export function dueExpiries(now: number) {
  // Expiry times are whole ms: everything below [1, now + 1] is due.
  return { gt: [EXPIRY_INDEX] as Key, lt: [EXPIRY_INDEX, Math.floor(now) + 1] as Key };
}

/** The item key and expiry of an expiry index key. */
export function parseExpiryKey(key: Key): { item: Key; expiresAt: number } {
  const parts = key as readonly (string | number)[];
  return { expiresAt: parts[1] as number, item: parts.slice(2) };
}

/** What kind of entry a kv key of the domain is. */
export function entryKind(key: Key): 'item' | 'refresh' | 'other' {
  const parts = key as readonly (string | number)[];
  if (!Array.isArray(parts) || typeof parts[0] !== 'string') return 'other';
  const end = parts.indexOf(END_OF_NAMESPACE);
  if (end === parts.length - 2) return 'item';
  return end === parts.length - 3 && parts[end + 2] === END_OF_NAMESPACE ? 'refresh' : 'other';
}

/** Splits an item key into namespace and item key. */
export function splitItemKey(key: Key): [string[], string] {
  const parts = key as Array<string | number>;
  const end = parts.indexOf(END_OF_NAMESPACE);
  return [parts.slice(0, end) as string[], parts[end + 1] as string];
}

/** The key of one of an item's vectors in the vectors domain. */
export function vectorKey(item: Key, stamp: string, name: string): Key {
  return [...(item as readonly (string | number)[]), stamp, name];
}

/** A new stamp: time first (base 36 ms), so stamps of one item sort roughly by age, then 48 random bits. */
export function newStamp(now: number): string {
  return `${now.toString(36)}.${randomBytes(6).toString('base64url')}`;
}

/** When the item expires, counting a refresh of this version of it; undefined: never. */
export function expiryOf(record: ItemRecord, refresh: RefreshRecord | undefined): number | undefined {
  if (record.expiresAt === undefined) return undefined;
  if (refresh !== undefined && refresh.stamp === record.stamp && refresh.until > record.expiresAt) return refresh.until;
  return record.expiresAt;
}

/** Whether the item's liveness at `now` depends on a refresh record (its own expiry has passed). */
export function needsRefreshRecord(record: ItemRecord, now: number): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= now;
}

/** Whether the item is still visible at `now`. */
export function isLive(record: ItemRecord, refresh: RefreshRecord | undefined, now: number): boolean {
  const expiry = expiryOf(record, refresh);
  return expiry === undefined || expiry > now;
}

/** The first key after every item of `namespace` and of its sub-namespaces. */
export function afterNamespace(namespace: readonly string[]): Key {
  // A label followed by U+0000 sorts after the label's extensions and before any larger label.
  return [...namespace.slice(0, -1), `${namespace[namespace.length - 1]}\u0000`];
}
