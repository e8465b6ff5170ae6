import type { NormalizedRoute } from '../store/types.js';

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
