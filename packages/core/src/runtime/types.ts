import type { ArtifactStore, ArtifactsPolicy } from '../artifacts/types.js';
import type { Journal, JournalOptions } from '../journal/types.js';
import type { PruneOptions, PruneReport } from '../retention/prune-types.js';
import type { SnapshotStore, SnapshotsOptions } from '../snapshots/types.js';
import type { Adapter } from '../spi/adapter.js';
import type { BlobCheckpointStore, Codec, DomainStats, DomainStore } from '../types.js';
import type { VectorMetadata, VectorStore, VectorsOptions } from '../vectors/types.js';
import type { VersionedOptions, VersionedStore } from '../versioned/types.js';

/** Where one domain lives: an adapter name and that adapter's options (plain data). */
export interface RouteConfig {
  readonly adapter: string;
  readonly options?: Record<string, unknown>;
}

/** `createStore`'s config: plain data apart from `adapters`, so it can live in a JSON file. */
export interface StoreConfig {
  /**
   * Short form of the default route and its location: `sqlite:<dir>`, `lmdb:<dir>`, `level:<dir>`,
   * `memory:`, `postgres://…`, or a bare directory (the first installed of sqlite, lmdb, level). The
   * adapter it names, and every published adapter `domains` names, is imported from its package.
   */
  readonly url?: string;
  /** Directory every adapter file stays under; default `$AGENTSTORE_DATA_DIR`, else `.agentstore`. */
  readonly dataDir?: string;
  /** Adapters to register; `memory` is always registered. */
  readonly adapters?: readonly Adapter[];
  /** Route of domains not listed in `domains`; default sqlite if registered, else memory. */
  readonly default?: RouteConfig;
  /** Routes per domain name. */
  readonly domains?: Readonly<Record<string, RouteConfig>>;
}

/** A route with every default filled, as `domainConfig` returns it. */
export interface NormalizedRoute {
  readonly adapter: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Options of `store.kv()`. */
export interface KvOptions<V> {
  /** Value codec; the default codec round-trips what structured clone does on plain data. */
  readonly codec?: Codec<V>;
}

/** An open agentstore: routes each domain to an adapter and hands out typed handles. */
export interface Store {
  /** Absolute data directory. */
  readonly dataDir: string;
  /** Key-value handle of `domain` (kind `kv`). */
  kv<V = unknown>(domain: string, options?: KvOptions<V>): DomainStore<V>;
  /** Checkpoint handle of `domain` (kind `checkpoints`). */
  checkpoints(domain: string): BlobCheckpointStore;
  /** Append-only streams of `domain` (kind `journal`). */
  journal<V = unknown>(domain: string, options?: JournalOptions<V>): Journal<V>;
  /** Bitemporal versioned memory of `domain` (kind `versioned`). */
  versioned<V = unknown>(domain: string, options?: VersionedOptions<V>): VersionedStore<V>;
  /** The whole-snapshot store of `domain` (kind `snapshots`). */
  snapshots<S = unknown>(domain: string, options?: SnapshotsOptions<S>): SnapshotStore<S>;
  /** The byte-budgeted blob cache of `domain` (kind `artifacts`); `policy` budgets are recorded in the domain. */
  artifacts(domain: string, policy?: ArtifactsPolicy): ArtifactStore;
  /** Vectors with metadata searched by similarity (kind `vectors`); `dims` and `metric` are recorded in the domain. */
  vectors<M extends VectorMetadata = VectorMetadata>(domain: string, options: VectorsOptions): VectorStore<M>;
  /** Routes `domain` to another adapter from now on; data is not moved. */
  configureDomain(domain: string, route: RouteConfig): Promise<void>;
  /**
   * Copies every record of `domain` to `to`, verifies count and checksum, then switches the route in
   * this store; the old location keeps a tombstone (`MOVED` through the old route).
   */
  migrateDomain(domain: string, to: RouteConfig, options?: MigrateOptions): Promise<MigrationReport>;
  /** The domain's route with defaults filled. */
  domainConfig(domain: string): NormalizedRoute;
  /** Undoes `configureDomain` for `domain`. */
  resetDomain(domain: string): Promise<void>;
  /** Undoes `configureDomain` for every domain. */
  clearConfig(): Promise<void>;
  /** Name of the adapter `domain` is routed to. */
  adapterOf(domain: string): string;
  /** Deletes the domain's data and its recorded kind. */
  dropDomain(domain: string): Promise<void>;
  /**
   * Flushes buffered counters and makes every acknowledged write durable; with `domain`, that
   * domain's counters and its adapter's writes (an adapter syncs everything it holds at once).
   */
  sync(domain?: string): Promise<void>;
  /**
   * Flushes and syncs `domain` like `sync(domain)`, then releases what this store keeps for it (its
   * buffered counters and their timer, its snapshot and artifact caches, its opened route); a later
   * call on any of its handles opens it again. BeamAgent.Store's `close_table`.
   */
  closeDomain(domain: string): Promise<void>;
  /**
   * Applies every retention rule (SPEC §9.5): domain option `maxAge` on journal domains (entries by
   * commit time) and checkpoints domains (by save time; each trace keeps its latest), and the TTL
   * sweep on kv domains; returns, per domain a rule applies to, how many records it removed.
   */
  prune(options?: PruneOptions): Promise<PruneReport>;
  /** Per-domain figures for every domain with data on a registered adapter. */
  stats(): Promise<DomainStats[]>;
  /** Flushes and closes; idempotent. Afterwards every call rejects with `CLOSED`. */
  close(): Promise<void>;
  /** `close()`, for `await using store = await createStore(…)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** How far a migration's copy has come: raw entries copied out of the source's total. */
export interface MigrationProgress {
  readonly copied: number;
  readonly total: number;
}

/** Options of `store.migrateDomain`. */
export interface MigrateOptions {
  /** Called after every copied batch; throwing from it aborts the migration (the old route stays). */
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** The verification of a migration: both digests are over every key and value, in key order. */
export interface MigrationVerification {
  readonly algorithm: 'sha256';
  /** Entries hashed on each side (the same number on both). */
  readonly entries: number;
  /** Digest of the frozen source. */
  readonly source: string;
  /** Digest of the target, read after the re-sync; equal to `source`. */
  readonly target: string;
}

/** What `store.migrateDomain` did. */
export interface MigrationReport {
  readonly domain: string;
  /** The route the domain left. */
  readonly from: NormalizedRoute;
  /** The route the domain lives on now. */
  readonly to: NormalizedRoute;
  /** Raw entries the domain held when it moved (every kind's internal entries and the kind record included). */
  readonly records: number;
  /** Key and value bytes copied. */
  readonly bytes: number;
  /** SHA-256 (hex) of the ordered entry stream, equal on source and target. */
  readonly checksum: string;
  /** How the copy was verified: a hash of every key and value, read from each side independently. */
  readonly verification: MigrationVerification;
  /** Entries copied while writers ran (before the freeze). */
  readonly copied: number;
  /** Entries written or deleted in the target after the freeze, to match what writers changed during the copy. */
  readonly resynced: number;
  /** Whether this run resumed a migration whose process died after committing its tombstone. */
  readonly resumed: boolean;
  /** Wall time of the whole migration, in milliseconds. */
  readonly ms: number;
}
