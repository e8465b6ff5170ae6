import { StoreError } from '../errors.js';
import { MIGRATION_GUARD_KEY } from '../spi/backend.js';
import type { NormalizedRoute } from './types.js';

const bytes = (name: string): Uint8Array => Uint8Array.from([0x00, ...Buffer.from(name, 'latin1')]);

/**
 * The migration guard: `0x00 'moved'`. Every write transaction of every process reads it and is
 * refused when it holds a value, and every read checks it: in a migration's source it is the
 * tombstone (JSON of the new route: `MOVED`), in its target while the copy is incomplete the
 * incoming marker (JSON with `incoming`: `BUSY`). Like the kind record it sits below 0x10, where no
 * user key can go.
 */
export const MOVED_KEY = MIGRATION_GUARD_KEY;

/**
 * Marked a migration target while its copy was incomplete, before the marker moved into
 * {@link MOVED_KEY}; a target holding it is a leftover of an interrupted migration and may be cleared.
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

/** The owner of a migration: which process on which host runs it, under which id. */
export interface MigrationOwner {
  readonly id: string;
  readonly pid: number;
  readonly host: string;
}

/** What the guard of a location holds, parsed. */
export type GuardState =
  | { readonly state: 'moved'; readonly adapter: string; readonly options: Record<string, unknown>; readonly id?: string }
  | {
      readonly state: 'incoming';
      readonly from: { readonly adapter: string; readonly options: Record<string, unknown> };
      readonly owner: MigrationOwner;
    }
  | { readonly state: 'unreadable' };

/** The tombstone a migration commits in its source: the new route and the migration's id. */
export function encodeTombstone(route: NormalizedRoute, id: string): Uint8Array {
  return json({ adapter: route.adapter, options: route.options, id, at: Date.now() });
}

/** The incoming marker a migration puts in its target until the copy is verified. */
export function encodeIncoming(from: NormalizedRoute, owner: MigrationOwner): Uint8Array {
  return json({ incoming: { adapter: from.adapter, options: from.options }, ...owner, at: Date.now() });
}

/** Parses a guard value (tombstones written before incoming markers existed read as `moved`). */
export function parseGuard(bytes: Uint8Array): GuardState {
  try {
    const raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Record<string, unknown>;
    const incoming = raw.incoming as { adapter?: unknown; options?: unknown } | undefined;
    if (incoming && typeof incoming.adapter === 'string') {
      return {
        state: 'incoming',
        from: { adapter: incoming.adapter, options: (incoming.options ?? {}) as Record<string, unknown> },
        owner: { id: String(raw.id), pid: Number(raw.pid), host: String(raw.host) },
      };
    }
    if (typeof raw.adapter !== 'string') return { state: 'unreadable' };
    const options = (raw.options ?? {}) as Record<string, unknown>;
    return typeof raw.id === 'string'
      ? { state: 'moved', adapter: raw.adapter, options, id: raw.id }
      : { state: 'moved', adapter: raw.adapter, options };
  } catch {
    return { state: 'unreadable' };
  }
}

/** The route a tombstone names, parsed (for admin tools); undefined for an incoming marker. */
export function tombstoneRoute(bytes: Uint8Array): { adapter: string; options: Record<string, unknown> } | undefined {
  const guard = parseGuard(bytes);
  return guard.state === 'moved' ? { adapter: guard.adapter, options: guard.options } : undefined;
}

/**
 * The error every use of a location whose guard holds `bytes` gets: `MOVED` naming the new route
 * after a migration, `BUSY` while a migration into it is incomplete.
 */
export function guardError(domain: string, bytes: Uint8Array): StoreError {
  const guard = parseGuard(bytes);
  if (guard.state === 'incoming') {
    return new StoreError(
      'BUSY',
      `domain "${domain}" is being migrated here from ${guard.from.adapter} (pid ${guard.owner.pid} on ${guard.owner.host}); retry once the migration has finished`,
    );
  }
  const to = guard.state === 'moved' ? `${guard.adapter} ${JSON.stringify(guard.options)}` : '(unreadable tombstone)';
  return new StoreError('MOVED', `domain "${domain}" has moved to ${to}; route it there`);
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
