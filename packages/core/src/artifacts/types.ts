import type { Json } from '../types.js';

/**
 * Where a blob is meant to live. Both tiers persist through the domain's backend; a `ram` blob is
 * also kept in this process's memory cache (bounded by `ramCacheBytes`) so repeated reads skip the
 * backend, and each tier may carry its own byte budget.
 */
export type ArtifactTier = 'ram' | 'disk';

/** Budget of one tier. */
export interface TierPolicy {
  /** Upper bound of the sum of this tier's blob sizes (inclusive); recorded in the domain like `budgetBytes`. */
  readonly budgetBytes?: number;
}

/** Options of `store.artifacts(domain, policy)`. */
export interface ArtifactsPolicy {
  /**
   * Upper bound of the sum of blob sizes (inclusive). A domain setting: recorded in the domain by the
   * first write when none is recorded yet; afterwards the recorded value wins (change it with `setBudget`).
   */
  readonly budgetBytes?: number;
  /** Per-tier budgets, recorded the same way. */
  readonly tiers?: { readonly ram?: TierPolicy; readonly disk?: TierPolicy };
  /** Tier of `put`s that name none; default `'disk'`. */
  readonly defaultTier?: ArtifactTier;
  /** Lifetime of a lease from `checkout` or `renew`, default 60,000 ms. */
  readonly leaseTtlMs?: number;
  /** Lifetime of a reservation (and of an unfinished streamed put), default 60,000 ms. */
  readonly reservationTtlMs?: number;
  /** Bytes of `ram`-tier blobs this process may keep in memory, default 64 MiB; 0 turns the cache off. */
  readonly ramCacheBytes?: number;
}

/** Options of `put`, `putStream`, `commit` and `putPrefix`. */
export interface ArtifactPutOptions {
  /** Default: the handle's `defaultTier`. */
  readonly tier?: ArtifactTier;
  /** Plain JSON object stored with the blob. */
  readonly meta?: Record<string, Json>;
}

/** What `stat` (and every write) reports about a blob. */
export interface ArtifactStat {
  readonly key: string;
  readonly size: number;
  readonly tier: ArtifactTier;
  /** Epoch ms of the last `get`, `getOrWait` hit, `put` or `commit`. */
  readonly lastUsed: number;
  /** Epoch ms the current bytes were stored. */
  readonly createdAt: number;
  readonly meta: Record<string, Json>;
  /** Live leases on the blob: unexpired, their holder not dead on this host. */
  readonly leases: number;
  /** An external blob (registered with `registerFile` or published in two stages): its file under dataDir. */
  readonly file?: { readonly path: string; readonly sha256: string };
  /** A reservation held on the key while it also holds a blob (a save replacing it is in flight). */
  readonly reservation?: ReservationInfo;
}

/** What the read-only reservation check (`reservation(key)`, `audit().reservations`) reports. */
export interface ReservationInfo {
  readonly key: string;
  readonly id: string;
  readonly expiresAt: number;
  /** The holder's process id and host. */
  readonly pid: number;
  readonly host: string;
  /** Unexpired and its holder not known to be dead: a `reserve` of the key would be refused. */
  readonly live: boolean;
  /** Set between `prelink` and `postlink`: the file being published. */
  readonly publishing?: { readonly path: string; readonly size: number; readonly sha256: string };
}

/** An external file: a path relative to dataDir, its size and the SHA-256 of its bytes (hex). */
export interface ExternalFileSpec {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** Options of `prelink`: where the file will be linked, and (optionally) the staging file it comes from. */
export interface PrelinkOptions extends ArtifactPutOptions {
  /** The holder's staging file, relative to dataDir: removed when the publish is discarded after a crash. */
  readonly staging?: string;
}

/** A pin on one blob: it is never evicted while the lease lives. */
export interface ArtifactLease {
  readonly key: string;
  readonly id: string;
  /** Epoch ms after which the lease lapses unless renewed. */
  readonly expiresAt: number;
  /** Size of the blob when it was checked out. */
  readonly size: number;
  /** Ends the lease; false when it had already lapsed or the blob was deleted or replaced. */
  release(): Promise<boolean>;
  /** Extends the lease to now + `ttlMs` (default: the handle's `leaseTtlMs`); `CONFLICT` when it is gone. */
  renew(ttlMs?: number): Promise<number>;
}

/** A claim on a key for an in-flight save. */
export interface ArtifactReservation {
  readonly key: string;
  readonly id: string;
  /** Epoch ms after which the reservation lapses unless renewed. */
  readonly expiresAt: number;
  /** Stores the blob and ends the reservation atomically; `CONFLICT` once it has lapsed or ended. */
  commit(bytes: Uint8Array, options?: ArtifactPutOptions): Promise<ArtifactStat>;
  /** Like `commit`, streaming the bytes in chunks; nothing is readable until the last one is stored. */
  commitStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: ArtifactPutOptions): Promise<ArtifactStat>;
  /** Ends the reservation without storing anything; false when it had already lapsed or ended. */
  abort(): Promise<boolean>;
  /** Extends the reservation to now + `ttlMs` (default: the handle's `reservationTtlMs`); `CONFLICT` when it is gone. */
  renew(ttlMs?: number): Promise<number>;
  /** Read-only: whether this reservation is still held and unexpired (erllama's `check_reservation`). */
  check(): Promise<boolean>;
  /**
   * Stage 1 of a two-stage publish (erllama's `pre_link`): records the file about to be linked into
   * place at `file.path`, so that if this process dies before `postlink`, the next owner of the key
   * adopts that file when it is complete and its hash matches, or discards it. `CONFLICT` when the
   * reservation has lapsed or ended.
   */
  prelink(file: ExternalFileSpec, options?: PrelinkOptions): Promise<void>;
  /** Stage 2 (erllama's `post_link`): checks the linked file's size and hash and makes it the key's blob, ending the reservation. */
  postlink(): Promise<ArtifactStat>;
}

/** A blob being read in chunks. */
export interface ArtifactReadStream extends AsyncIterable<Uint8Array> {
  readonly size: number;
  readonly tier: ArtifactTier;
}

/** Result of `evictBytes`. */
export interface EvictResult {
  /** Blobs evicted. */
  readonly evicted: number;
  /** Sum of their sizes. */
  readonly freedBytes: number;
}

/** Result of `gc`. */
export interface GcResult {
  /** Reservations removed: lapsed, or of a dead process on this host. */
  readonly reservations: number;
  /** Leases removed: lapsed, or of a dead process on this host. */
  readonly leases: number;
  /** Unfinished (lapsed, or of a dead writer on this host) or discarded blobs whose chunks were removed. */
  readonly blobs: number;
  /** Bytes of chunks removed. */
  readonly freedBytes: number;
}

/** Budget and use of one tier, or of the whole domain. */
export interface TierUsage {
  /** Recorded budget; null when there is none. */
  readonly budgetBytes: number | null;
  readonly usedBytes: number;
  readonly count: number;
}

/** Result of `usage`. */
export interface ArtifactUsage extends TierUsage {
  readonly tiers: Readonly<Record<ArtifactTier, TierUsage>>;
}

/** A new budget for `setBudget`: a number sets it, null removes it, an absent field keeps it. */
export interface BudgetUpdate {
  readonly budgetBytes?: number | null;
  readonly tiers?: { readonly ram?: number | null; readonly disk?: number | null };
}

/** Result of `audit`: the accounting beside what a full scan finds. */
export interface ArtifactAudit {
  /** What the domain's accounting says (sum of live blob sizes). */
  readonly usedBytes: number;
  /** Sum of the sizes of every entry found. */
  readonly liveBytes: number;
  /** Sum of the lengths of every stored chunk (live, unfinished or discarded). */
  readonly chunkBytes: number;
  /** Entries found. */
  readonly count: number;
  /** Blob ids with chunks that no entry, reservation or unfinished write refers to. */
  readonly orphanBlobs: number;
  /** Unfinished (streamed) or discarded blobs still holding chunks. */
  readonly pendingBlobs: number;
  /** Every reservation record, live or not (erllama's `dump`). */
  readonly reservations: readonly ReservationInfo[];
}

/** Options of `longestPrefix`. */
export interface LongestPrefixOptions {
  /** Only prefixes whose length is a multiple of this are probed. */
  readonly stride: number;
  /** Shortest prefix worth returning; default `stride`. */
  readonly minTokens?: number;
  /** Namespace the prefixes were stored under (e.g. a model id); default ''. */
  readonly namespace?: string;
}

/** Options of `putPrefix`. */
export interface PutPrefixOptions extends ArtifactPutOptions {
  /** Keeps caches of different models apart; default ''. */
  readonly namespace?: string;
}

/** The longest cached prefix. */
export interface PrefixHit {
  readonly key: string;
  readonly prefixLength: number;
  readonly size: number;
}

/** A sequence of token ids (each an integer in 0..2^32-1). */
export type TokenIds = ReadonlyArray<number> | Uint32Array;

/**
 * A byte-budgeted blob cache (SPEC §5 Artifacts): string keys, LRU eviction, leases that pin blobs,
 * reservations for in-flight saves, streamed blobs and token-prefix lookup.
 */
export interface ArtifactStore {
  /** Stores `bytes` under `key` (replacing what was there), evicting least recently used blobs to stay in budget. */
  put(key: string, bytes: Uint8Array, options?: ArtifactPutOptions): Promise<ArtifactStat>;
  /**
   * Registers a blob whose bytes already are in a file under dataDir (erllama's `insert_available`):
   * the file must hold `size` bytes hashing to `sha256` (checked before anything is written). The
   * domain owns the file from then on: deleting, evicting or replacing the blob removes it.
   */
  registerFile(key: string, file: ExternalFileSpec, options?: ArtifactPutOptions): Promise<ArtifactStat>;
  /** Read-only reservation check of `key` (erllama's `check_reservation`): never takes over or frees it. */
  reservation(key: string): Promise<ReservationInfo | undefined>;
  /** Stores a blob from chunks, in several transactions; it becomes readable atomically at the end. */
  putStream(key: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: ArtifactPutOptions): Promise<ArtifactStat>;
  /** The blob's bytes (a plain Uint8Array), marking it used; undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The blob as a stream of chunks, marking it used and pinning it while it is read; undefined when absent. */
  getStream(key: string): Promise<ArtifactReadStream | undefined>;
  /** Whether `key` holds a blob (does not mark it used). */
  has(key: string): Promise<boolean>;
  /** Size, tier, last use, meta and live leases (does not mark it used). */
  stat(key: string): Promise<ArtifactStat | undefined>;
  /** Removes the blob; false when absent. Leases pin against eviction, not against delete. */
  delete(key: string): Promise<boolean>;
  /** Evicts least recently used, unleased blobs of `tiers` (default both) until `target` bytes are freed or none is left. */
  evictBytes(target: number, options?: { readonly tiers?: readonly ArtifactTier[] }): Promise<EvictResult>;
  /** Pins the blob against eviction; undefined when absent. Does not mark it used. */
  checkout(key: string, options?: { readonly ttlMs?: number }): Promise<ArtifactLease | undefined>;
  /** Claims `key` for an in-flight save; `CONFLICT` when it holds a blob or a live reservation. */
  reserve(key: string, options?: { readonly ttlMs?: number }): Promise<ArtifactReservation>;
  /** The blob; or, while a live reservation holds the key, waits for its commit up to `timeoutMs`. */
  getOrWait(key: string, timeoutMs: number): Promise<Uint8Array | undefined>;
  /** Stores `bytes` under the key derived from `tokens` (see `prefixKey`). */
  putPrefix(tokens: TokenIds, bytes: Uint8Array, options?: PutPrefixOptions): Promise<ArtifactStat & { readonly prefixLength: number }>;
  /** The longest stored prefix of `tokens` whose length is a multiple of `stride` (does not mark it used). */
  longestPrefix(tokens: TokenIds, options: LongestPrefixOptions): Promise<PrefixHit | undefined>;
  /** Recorded budgets and current use. */
  usage(): Promise<ArtifactUsage>;
  /** Changes the recorded budgets, evicting to fit; `BUSY` (nothing changed) when leases leave no room. */
  setBudget(update: BudgetUpdate): Promise<ArtifactUsage>;
  /** Keys in eviction order (least recently used first). */
  lru(options?: { readonly tiers?: readonly ArtifactTier[]; readonly limit?: number }): Promise<string[]>;
  /** Removes lapsed or dead-owner reservations and leases and the chunks of unfinished or discarded writes; `deep` also scans for orphan chunks. */
  gc(options?: { readonly deep?: boolean }): Promise<GcResult>;
  /** Scans the whole domain and compares it with the accounting (admin and test tool). */
  audit(): Promise<ArtifactAudit>;
}
