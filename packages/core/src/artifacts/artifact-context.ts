import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import { DataDir } from '../paths/data-dir.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { toStoreError } from '../runtime/to-store-error.js';
import {
  CHUNK_BYTES,
  chunkKey,
  decodeEntry,
  decodePending,
  type Entry,
  type ExternalFile,
  encodePending,
  entryChunks,
  entryKey,
  type LeaseRecord,
  pendingKey,
  TIERS,
} from './artifact-layout.js';
import { ArtifactTx, INLINE_DELETE_CHUNKS } from './artifact-tx.js';
import { readExternal, unlinkOwned } from './external-file.js';
import { ArtifactsLocal } from './local-state.js';
import { type OwnerCheck, ownerGone } from './owner.js';
import { RecencyBuffer, type Use } from './recency.js';
import type { ArtifactStat, ArtifactsPolicy } from './types.js';
import { type CheckedPolicy, checkPolicy, metaOf } from './validate.js';

/** What `ArtifactContext.readBlobSync` returns for a blob only the async path reads. */
export const NOT_SYNC: unique symbol = Symbol('artifact read needs the async path');

/** A fresh random id for a lease or a reservation. */
export const randomId = (): string => randomBytes(8).toString('hex');

/** Runs `fn`, turning any failure into a StoreError. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** What a transaction stores as a new blob (its chunks are already written under `blob`). */
export interface NewBlob {
  readonly blob: number;
  readonly size: number;
  readonly tier: 0 | 1;
  readonly metaJson: string;
  /** An external blob's file: the entry refers to it instead of chunks. */
  readonly file?: ExternalFile;
  /** Bytes per chunk when not CHUNK_BYTES (a blob put whole). */
  readonly chunkBytes?: number;
}

/** A lease that still pins its blob: unexpired, and its holder not known to be dead. */
export function liveLease(l: LeaseRecord, now: number, owners?: OwnerCheck): boolean {
  return l.expiresAt > now && !(owners ? owners.gone(l) : ownerGone(l));
}

/** The public view of an entry. */
export function statOf(key: string, entry: Entry, now = Date.now(), owners?: OwnerCheck): ArtifactStat {
  return {
    key,
    size: entry.size,
    tier: TIERS[entry.tier] ?? 'disk',
    lastUsed: entry.lastUsed,
    createdAt: entry.createdAt,
    meta: entry.meta,
    leases: entry.leases.filter((l) => liveLease(l, now, owners)).length,
    ...(entry.file && { file: { path: entry.file.path, sha256: entry.file.sha256 } }),
  };
}

/**
 * Stores a new blob under `key` inside a transaction: replaces what was there, makes room within the
 * budgets (LRU eviction) and makes the blob the most recently used.
 */
export function storeBlob(at: ArtifactTx, key: string, b: NewBlob): ArtifactStat {
  const previous = at.entry(key);
  if (previous) at.remove(key, previous);
  at.makeRoom(b.tier, b.size);
  const fresh: Entry = {
    blob: b.blob,
    size: b.size,
    tier: b.tier,
    seq: 0,
    lastUsed: 0,
    createdAt: at.now,
    meta: metaOf(b.metaJson),
    leases: [],
    ...(b.file && { file: b.file }),
    ...(b.chunkBytes !== undefined && b.chunkBytes !== CHUNK_BYTES && { chunkBytes: b.chunkBytes }),
  };
  const entry = at.touch(key, fresh, undefined);
  at.head.used[b.tier] += b.size;
  at.head.count[b.tier] += 1;
  return statOf(key, entry, at.now, at.owners);
}

/** The shared machinery of one artifacts handle: policy, domain resolution, transactions, blob reads. */
export class ArtifactContext {
  readonly #ctx: StoreContext;
  readonly domain: string;
  readonly #policy: CheckedPolicy | undefined;
  readonly #policyError: unknown;
  #dataDir: DataDir | undefined;

  constructor(ctx: StoreContext, domain: string, policy: ArtifactsPolicy | undefined) {
    this.#ctx = ctx;
    this.domain = domain;
    // Accessors are synchronous and never throw: a bad policy surfaces from the handle's first call.
    let checked: CheckedPolicy | undefined;
    let error: unknown;
    try {
      checked = checkPolicy(policy);
    } catch (err) {
      error = err;
    }
    this.#policy = checked;
    this.#policyError = error;
  }

  /** The store's data directory under core's path policy (external blob files live below it). */
  get dataDir(): DataDir {
    this.#dataDir ??= new DataDir(this.#ctx.pool.dataDir);
    return this.#dataDir;
  }

  /** Whether the store was opened read-only. */
  get readOnly(): boolean {
    return this.#ctx.pool.readOnly;
  }

  /** The validated policy (throws the validation error of a bad one). */
  get policy(): CheckedPolicy {
    if (this.#policy === undefined) throw this.#policyError;
    return this.#policy;
  }

  /** The domain on its current route, without a kind check (writes check the kind in their transaction). */
  async writable(): Promise<OpenDomain> {
    void this.policy;
    return this.#ctx.resolve(this.domain);
  }

  /** The domain on its current route, rejecting `WRONG_KIND` for a domain of another kind. */
  async readable(): Promise<OpenDomain> {
    void this.policy;
    return this.#ctx.readable(this.domain, 'artifacts');
  }

  /** The per-process state of the domain (ram cache, wake-ups). */
  local(d: OpenDomain): ArtifactsLocal {
    const local = this.#ctx.state(d.backend, 'artifacts', () => new ArtifactsLocal());
    local.allow(this.policy.ramCacheBytes);
    return local;
  }

  /** The uses (`get` hits) of the domain recorded in this process and not yet written (shared by its handles). */
  recency(d: OpenDomain): RecencyBuffer {
    // Looked up first: the factory below is a closure, and every `get` hit asks (issue 17).
    const known = this.#ctx.existingState<RecencyBuffer>(d.backend, 'artifacts-recency');
    if (known !== undefined) return known;
    return this.#ctx.state(d.backend, 'artifacts-recency', () => new RecencyBuffer(() => guard(() => this.write(d, () => undefined))));
  }

  /**
   * One write transaction of the domain: checks and records the kind, reads the head (recording the
   * handle's budgets if the domain has none), applies the uses recorded in memory first (so that
   * evictions see them) and writes the head back. Afterwards drops removed blobs from the process
   * cache and empties the trash of large removed blobs.
   */
  async write<T>(d: OpenDomain, fn: (at: ArtifactTx) => T): Promise<T> {
    const { kinds } = this.#ctx;
    const policy = this.policy;
    const recency = this.recency(d);
    let applied: readonly Use[] = [];
    const { value, removed } = await d.backend.transact((tx) => {
      kinds.checkWrite(tx, d.backend, d.domain, 'artifacts');
      const at = new ArtifactTx(tx, { budgetBytes: policy.budgetBytes, tierBudgets: policy.tierBudgets });
      // Taken afresh on every run: a backend may run the function again before it commits.
      applied = recency.take();
      at.applyUses(applied);
      const result = fn(at);
      at.finish();
      return { value: result, removed: at.removed };
    });
    recency.settle(applied);
    if (!kinds.isKnown(d.backend, 'artifacts')) this.#ctx.pool.recorder?.kind(d.domain, d.route, 'artifacts');
    kinds.confirm(d.backend, 'artifacts');
    if (removed.length > 0) {
      const local = this.local(d);
      for (const r of removed) local.drop(r.blob);
      const trashed = removed.filter((r) => r.trashed).map((r) => r.blob);
      if (trashed.length > 0) await this.drainPending(d, trashed);
      for (const r of removed) if (r.file !== undefined) await unlinkOwned(this.dataDir, r.file);
    }
    return value;
  }

  /**
   * The domain when it is open and known to hold artifacts (a read needs no kind check then) and the
   * handle's policy is valid; else undefined (the caller takes the async path, which reports why).
   */
  ready(): OpenDomain | undefined {
    if (this.#policy === undefined) return undefined;
    const d = this.#ctx.resolve(this.domain);
    if (d instanceof Promise || !this.#ctx.kinds.isKnown(d.backend, 'artifacts')) return undefined;
    return d;
  }

  /**
   * `readBlob` as synchronous reads, for a backend that reads points synchronously now
   * (`pointReadsSync`): NOT_SYNC when this blob needs the async path (an external file, or several
   * chunks on an engine without synchronous snapshots).
   * `firstChunk`: the blob's `chunkKey(blob, 0)` when the caller has it already.
   */
  readBlobSync(d: OpenDomain, entry: Entry, firstChunk?: Uint8Array): Uint8Array | undefined | typeof NOT_SYNC {
    if (entry.file !== undefined) return NOT_SYNC;
    if (entry.tier === 0) {
      const cached = this.local(d).read(entry.blob);
      if (cached !== undefined) return cached;
    }
    const n = entryChunks(entry);
    if (n === 1) return this.#whole(d, entry, d.backend.getSync(firstChunk ?? chunkKey(entry.blob, 0)));
    if (n > 1 && !d.backend.readsSync) return NOT_SYNC;
    const keys = chunkKeys(entry.blob, n);
    return this.#joined(d, entry, n === 0 ? [] : d.backend.readSync((r) => r.getMany(keys)));
  }

  /** The bytes of a blob (a fresh plain Uint8Array), or undefined when its chunks are gone. */
  async readBlob(d: OpenDomain, entry: Entry, key?: string): Promise<Uint8Array | undefined> {
    if (entry.tier === 0) {
      const cached = this.local(d).read(entry.blob);
      if (cached !== undefined) return cached;
    }
    if (entry.file !== undefined) {
      const bytes = await readExternal(this.dataDir, entry.file, entry.size);
      if (bytes === undefined) {
        // Gone because the blob was removed meanwhile (the caller looks again), or from under the store.
        const now = key === undefined ? undefined : await d.backend.get(entryKey(key));
        if (now !== undefined && decodeEntry(now).blob === entry.blob) {
          throw new StoreError('CORRUPT', `external artifact file ${entry.file.path} is missing`);
        }
        return undefined;
      }
      if (entry.tier === 0) this.local(d).keep(entry.blob, new Uint8Array(bytes));
      return bytes;
    }
    const n = entryChunks(entry);
    if (n === 1) return this.#whole(d, entry, await d.backend.get(chunkKey(entry.blob, 0)));
    return this.#joined(d, entry, n === 0 ? [] : await d.backend.getMany(chunkKeys(entry.blob, n)));
  }

  /**
   * A blob stored whole, from its one chunk (undefined: removed since the entry was read). The
   * chunk is handed out as is when the backend read it into memory of its own (`GatedBackend.owns`:
   * no copy of the payload), else copied (a view of stored or pooled memory would let the caller
   * change what the store holds).
   */
  #whole(d: OpenDomain, entry: Entry, only: Uint8Array | undefined): Uint8Array | undefined {
    if (only === undefined) return undefined;
    if (only.byteLength !== entry.size) throw new StoreError('DECODE', 'artifact chunk does not match the blob size');
    const out = d.backend.owns(only) ? ownedArray(only) : new Uint8Array(only);
    if (entry.tier === 0) this.local(d).keep(entry.blob, new Uint8Array(out));
    return out;
  }

  /** A blob from its chunks, in order (undefined when one is gone: removed since the entry was read). */
  #joined(d: OpenDomain, entry: Entry, parts: ReadonlyArray<Uint8Array | undefined>): Uint8Array | undefined {
    // Every byte is written below (else the buffer is dropped): no zero-fill, still a plain Uint8Array.
    const out = new Uint8Array(Buffer.allocUnsafeSlow(entry.size).buffer, 0, entry.size);
    let at = 0;
    for (const part of parts) {
      if (part === undefined) return undefined;
      if (at + part.byteLength > entry.size) throw new StoreError('DECODE', 'artifact chunks are longer than the blob');
      out.set(part, at);
      at += part.byteLength;
    }
    if (at !== entry.size) throw new StoreError('DECODE', 'artifact chunks are shorter than the blob');
    if (entry.tier === 0) this.local(d).keep(entry.blob, new Uint8Array(out));
    return out;
  }

  /**
   * Removes the chunks of unfinished (lapsed) or discarded blobs in batches of bounded transactions;
   * returns how many blobs were emptied and their bytes. A blob still being written is left alone.
   */
  async drainPending(d: OpenDomain, blobs: readonly number[]): Promise<{ blobs: number; bytes: number }> {
    let emptied = 0;
    let bytes = 0;
    for (const blob of blobs) {
      let original: number | undefined;
      for (;;) {
        const step = await this.write(d, (at) => {
          const raw = at.tx.get(pendingKey(blob));
          if (raw === undefined) return 'gone' as const;
          const p = decodePending(raw);
          if (p.state === 'writing' && p.expiresAt > at.now && !(p.owner && at.owners.gone(p.owner))) return 'live' as const;
          const keep = Math.max(0, p.chunks - INLINE_DELETE_CHUNKS);
          for (let i = keep; i < p.chunks; i++) at.tx.del(chunkKey(blob, i));
          if (keep === 0) at.tx.del(pendingKey(blob));
          else at.tx.put(pendingKey(blob), encodePending({ ...p, state: 'trash', chunks: keep }));
          return { bytes: p.bytes, done: keep === 0 };
        });
        if (step === 'gone' || step === 'live') break;
        original ??= step.bytes;
        if (step.done) {
          emptied++;
          bytes += original;
          break;
        }
      }
    }
    return { blobs: emptied, bytes };
  }
}

/** The keys of a blob's `n` chunks, in order. */
function chunkKeys(blob: number, n: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) keys.push(chunkKey(blob, i));
  return keys;
}

/**
 * Owned `bytes` as a plain Uint8Array: a view of the same memory when it spans its whole
 * ArrayBuffer, else a copy (a Buffer of its own may still sit in a larger ArrayBuffer).
 */
function ownedArray(bytes: Uint8Array): Uint8Array {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    return new Uint8Array(buffer, 0, bytes.byteLength);
  }
  return new Uint8Array(bytes);
}
