import { hostname } from 'node:os';
import { StoreError } from '../errors.js';
import { compareBytes, equalBytes } from '../keys/index.js';
import {
  encodeIncoming,
  encodeTombstone,
  guardError,
  isMigrationKey,
  MIGRATING_KEY,
  type MigrationOwner,
  MOVED_KEY,
  parseGuard,
} from '../runtime/migration-guard.js';
import type { MigrationProgress, NormalizedRoute } from '../runtime/types.js';
import type { DomainBackend } from '../spi/backend.js';
import { EntryHash } from './entry-hash.js';

// A copy transaction carries at most this many entries or bytes, whichever comes first.
const BATCH_ENTRIES = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Ids of the migrations running in this process (an incoming marker of ours not listed here is a leftover). */
const running = new Set<string>();

/** A new owner for a migration run by this process; `done()` when it ends. */
export function startOwnership(id: string): MigrationOwner & { done(): void } {
  running.add(id);
  return { id, pid: process.pid, host: hostname(), done: () => running.delete(id) };
}

/**
 * Whether the process that owns a migration may still be running it: always for another host
 * (nothing here can tell), for this process while the migration is listed, else while the pid lives.
 */
export function ownerAlive(owner: MigrationOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return running.has(owner.id);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Makes `raw` the target of this migration: clears what an earlier migration left there (its
 * tombstone, or the partial copy of a migration whose process is dead) and, in one transaction that
 * finds it still empty, writes the incoming marker, which makes every other process's write there
 * fail with `BUSY` until the copy is verified. Refuses a target with live data of its own (`CONFLICT`)
 * and one another running migration copies into (`BUSY`).
 */
export async function claimTarget(
  domain: string,
  raw: DomainBackend,
  from: NormalizedRoute,
  to: NormalizedRoute,
  owner: MigrationOwner,
): Promise<void> {
  const [guard, legacy] = await raw.getMany([MOVED_KEY, MIGRATING_KEY]);
  if (guard !== undefined) {
    const state = parseGuard(guard);
    if (state.state === 'incoming' && ownerAlive(state.owner)) throw guardError(domain, guard);
    await raw.clear();
  } else if (legacy !== undefined) {
    await raw.clear();
  }
  await raw.transact((tx) => {
    const claimed = tx.get(MOVED_KEY);
    if (claimed !== undefined) throw guardError(domain, claimed);
    if (tx.range({ limit: 1 }).length > 0) {
      throw new StoreError('CONFLICT', `domain "${domain}" already holds data on ${to.adapter}; drop it there first`);
    }
    tx.put(MOVED_KEY, encodeIncoming(from, owner));
  });
}

/**
 * Copies every entry of the source (any kind: the kind record and core's internal entries are just
 * entries) while writers go on; what they change meanwhile is re-synced after the freeze.
 */
export async function copyEntries(
  source: DomainBackend,
  target: DomainBackend,
  onProgress: ((progress: MigrationProgress) => void) | undefined,
): Promise<number> {
  const total = await source.count({});
  let copied = 0;
  const batch = new WriteBatch(target, (n) => {
    copied += n;
    onProgress?.({ copied, total });
  });
  for await (const [key, value] of source.range({})) {
    if (!isMigrationKey(key)) await batch.put(key, value);
  }
  await batch.flush();
  return copied;
}

/**
 * The commit point: in one source transaction that finds no guard, writes the tombstone naming
 * `to`. Every later write to the source, in any process, reads it in its own transaction and fails
 * with `MOVED`; every write acknowledged before is in the source for the re-sync to take.
 */
export async function commitTombstone(domain: string, source: DomainBackend, to: NormalizedRoute, id: string): Promise<void> {
  await source.transact((tx) => {
    const guard = tx.get(MOVED_KEY);
    if (guard !== undefined) throw guardError(domain, guard);
    tx.put(MOVED_KEY, encodeTombstone(to, id));
  });
}

/** What re-syncing the frozen source into the target found. */
export interface Resync {
  /** Hash of every key and value of the (frozen) source, migration keys excluded. */
  readonly source: EntryHash;
  /** Entries written or deleted in the target to match the source. */
  readonly changed: number;
}

/**
 * Walks the frozen source and the target in key order together: writes every source entry the
 * target lacks or holds with other bytes, deletes every target entry the source no longer has, and
 * hashes the source on the way.
 */
export async function resync(source: DomainBackend, target: DomainBackend): Promise<Resync> {
  const hash = new EntryHash();
  let changed = 0;
  const batch = new WriteBatch(target, (n) => {
    changed += n;
  });
  const src = entriesOf(source)[Symbol.asyncIterator]();
  const dst = entriesOf(target)[Symbol.asyncIterator]();
  let s = await src.next();
  let d = await dst.next();
  while (!s.done || !d.done) {
    const order = s.done ? 1 : d.done ? -1 : compareBytes(s.value[0], d.value[0]);
    if (order < 0 && !s.done) {
      hash.add(s.value[0], s.value[1]);
      await batch.put(s.value[0], s.value[1]);
      s = await src.next();
    } else if (order > 0 && !d.done) {
      await batch.del(d.value[0]);
      d = await dst.next();
    } else if (!s.done && !d.done) {
      hash.add(s.value[0], s.value[1]);
      if (!equalBytes(s.value[1], d.value[1])) await batch.put(s.value[0], s.value[1]);
      s = await src.next();
      d = await dst.next();
    }
  }
  await batch.flush();
  return { source: hash, changed };
}

/** SHA-256 of every key and value of `raw` in key order, migration keys excluded (read independently of the copy). */
export async function hashOf(raw: DomainBackend): Promise<EntryHash> {
  const hash = new EntryHash();
  for await (const [key, value] of entriesOf(raw)) hash.add(key, value);
  return hash;
}

/** The switch in the target: removes this migration's incoming marker, so processes routed there may write. */
export async function openTarget(domain: string, target: DomainBackend, id: string): Promise<void> {
  await target.transact((tx) => {
    const guard = tx.get(MOVED_KEY);
    const state = guard === undefined ? undefined : parseGuard(guard);
    if (state?.state !== 'incoming' || state.owner.id !== id) {
      throw new StoreError('CONFLICT', `domain "${domain}": the target's migration marker changed under this migration`);
    }
    tx.del(MOVED_KEY);
    tx.del(MIGRATING_KEY);
  });
}

/** Undoes a tombstone this migration committed (the source is the domain's home again). */
export async function withdrawTombstone(source: DomainBackend, id: string): Promise<void> {
  await source.transact((tx) => {
    const guard = tx.get(MOVED_KEY);
    const state = guard === undefined ? undefined : parseGuard(guard);
    if (state?.state === 'moved' && state.id === id) tx.del(MOVED_KEY);
  });
}

/** Deletes every entry of `raw` except the tombstone, in bounded transactions. */
export async function deleteAllButTombstone(raw: DomainBackend): Promise<void> {
  for (;;) {
    const keys: Uint8Array[] = [];
    for await (const [key] of raw.range({ limit: BATCH_ENTRIES + 1 })) {
      if (!equalBytes(key, MOVED_KEY)) keys.push(new Uint8Array(key));
    }
    if (keys.length === 0) return;
    await raw.transact((tx) => {
      for (const k of keys) tx.del(k);
    });
  }
}

/** Entries of `raw` in key order without the migration's meta keys. */
async function* entriesOf(raw: DomainBackend): AsyncIterable<[Uint8Array, Uint8Array]> {
  for await (const entry of raw.range({})) if (!isMigrationKey(entry[0])) yield entry;
}

/** Writes into a target in bounded transactions; `onFlush` gets the number of writes of each. */
class WriteBatch {
  readonly #target: DomainBackend;
  readonly #onFlush: (n: number) => void;
  #writes: Array<[Uint8Array, Uint8Array | undefined]> = [];
  #bytes = 0;

  constructor(target: DomainBackend, onFlush: (n: number) => void) {
    this.#target = target;
    this.#onFlush = onFlush;
  }

  /** Copies: a backend may reuse the buffers it yields once iteration moves on. */
  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    this.#writes.push([new Uint8Array(key), new Uint8Array(value)]);
    this.#bytes += key.byteLength + value.byteLength;
    if (this.#writes.length >= BATCH_ENTRIES || this.#bytes >= BATCH_BYTES) await this.flush();
  }

  async del(key: Uint8Array): Promise<void> {
    this.#writes.push([new Uint8Array(key), undefined]);
    if (this.#writes.length >= BATCH_ENTRIES) await this.flush();
  }

  async flush(): Promise<void> {
    const writes = this.#writes;
    if (writes.length === 0) return;
    this.#writes = [];
    this.#bytes = 0;
    await this.#target.transact((tx) => {
      for (const [k, v] of writes) {
        if (v === undefined) tx.del(k);
        else tx.put(k, v);
      }
    });
    this.#onFlush(writes.length);
  }
}
