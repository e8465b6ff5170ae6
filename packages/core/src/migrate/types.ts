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

/** What `store.migrateDomain` did. */
export interface MigrationReport {
  readonly domain: string;
  /** The route the domain left. */
  readonly from: NormalizedRoute;
  /** The route the domain lives on now. */
  readonly to: NormalizedRoute;
  /** Raw entries copied (every kind's internal entries and the kind record included). */
  readonly records: number;
  /** Key and value bytes copied. */
  readonly bytes: number;
  /** SHA-256 (hex) of the ordered entry stream, equal on source and target. */
  readonly checksum: string;
  /** Wall time of the whole migration, in milliseconds. */
  readonly ms: number;
}
