import { StoreError } from '../errors.js';
import type { NormalizedRoute } from '../store/types.js';

const bytes = (name: string): Uint8Array => Uint8Array.from([0x00, ...Buffer.from(name, 'latin1')]);

/**
 * The tombstone a migration leaves where a domain used to live: `0x00 'moved'` → the new route (JSON).
 * Like the kind record it sits below 0x10, where no user key can go.
 */
export const MOVED_KEY = bytes('moved');

/**
 * Marks a migration target while its copy is incomplete: `0x00 'migrating'` → the source route (JSON).
 * A target holding it is a leftover of an interrupted migration and may be cleared.
 */
export const MIGRATING_KEY = bytes('migrating');

/** Whether `key` is one of the migration's own meta keys (never copied, never hashed). */
export function isMigrationKey(key: Uint8Array): boolean {
  return sameBytes(key, MOVED_KEY) || sameBytes(key, MIGRATING_KEY);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encodes a route as the JSON a tombstone or a migration marker holds. */
export function encodeRoute(route: NormalizedRoute): Uint8Array {
  return Buffer.from(JSON.stringify({ adapter: route.adapter, options: route.options, at: Date.now() }), 'utf8');
}

/** The route a tombstone names, as the one-line text `MOVED` errors carry. */
export function describeTombstone(bytes: Uint8Array): string {
  try {
    const raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as {
      adapter?: unknown;
      options?: unknown;
    };
    return `${String(raw.adapter)} ${JSON.stringify(raw.options ?? {})}`;
  } catch {
    return '(unreadable tombstone)';
  }
}

/** The route a tombstone names, parsed (for admin tools). */
export function tombstoneRoute(bytes: Uint8Array): { adapter: string; options: Record<string, unknown> } | undefined {
  try {
    const raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as {
      adapter?: unknown;
      options?: unknown;
    };
    if (typeof raw.adapter !== 'string') return undefined;
    return { adapter: raw.adapter, options: (raw.options ?? {}) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The error every use of a domain through its old route gets once the domain has moved. */
export function movedError(domain: string, tombstone: Uint8Array): StoreError {
  return new StoreError('MOVED', `domain "${domain}" has moved to ${describeTombstone(tombstone)}; route it there`);
}
