/** Public types of the `versioned` kind (SPEC §5): bitemporal memory. All times are epoch milliseconds. */
import type { Codec, Key } from '../types.js';

/** Options of `store.versioned()`. */
export interface VersionedOptions<V> {
  /** Value codec; the default codec round-trips what structured clone does on plain data. */
  readonly codec?: Codec<V>;
}

/** The valid-time interval of a `put`: `[validFrom, validTo)`. */
export interface ValidInterval {
  /** Default: the transaction time of the put. */
  readonly validFrom?: number;
  /** Default: open-ended. */
  readonly validTo?: number;
}

/** The valid-time interval of a `correct`: `validFrom` is required. */
export interface CorrectionInterval {
  readonly validFrom: number;
  readonly validTo?: number;
}

/** Options of `get`: what was known at transaction time `asOfTx` about valid time `asOfValid`. */
export interface AsOf {
  /** Inclusive. Default: now, counting every committed version. */
  readonly asOfTx?: number;
  /** Default: now. */
  readonly asOfValid?: number;
}

/** One recorded version of a key. */
export interface Version<V> {
  readonly value: V;
  /** Commit time of the version; never decreases within a key. */
  readonly txTime: number;
  readonly validFrom: number;
  /** Absent when open-ended. */
  readonly validTo?: number;
  readonly kind: 'put' | 'correct';
}

/** Bitemporal key-value memory that never overwrites: one domain of kind `versioned`. */
export interface VersionedStore<V = unknown> {
  /** Adds a version valid over `[validFrom, validTo)`, recorded at the current transaction time. */
  put(key: Key, value: V, interval?: ValidInterval): Promise<void>;
  /** The value of the version committed last among those known at `asOfTx` and valid at `asOfValid`. */
  get(key: Key, asOf?: AsOf): Promise<V | undefined>;
  /** Every version of `key`, oldest first (commit order). */
  history(key: Key): Promise<Array<Version<V>>>;
  /** Records a correction of the past, valid over `[validFrom, validTo)`; earlier versions stay. */
  correct(key: Key, value: V, interval: CorrectionInterval): Promise<void>;
}
