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

/** Options of `scan` (SPEC §9.5): which keys, and what was known at `asOfTx` about valid time `asOfValid`. */
export interface ScanOptions {
  /** Tuple prefix or string prefix, as in a kv `Range`. Default: every key. */
  readonly prefix?: Key;
  /** Only keys after this one (exclusive): pass the last key of a page to get the next. */
  readonly after?: Key;
  /** Inclusive. Default: every committed version. */
  readonly asOfTx?: number;
  /** Default: now. */
  readonly asOfValid?: number;
  /** At most this many entries. */
  readonly limit?: number;
}

/** One entry of a `scan`: a key and the version that answers for it. */
export interface ScanEntry<V> {
  readonly key: Key;
  readonly value: V;
  /** Commit time of the answering version. */
  readonly txTime: number;
  readonly validFrom: number;
  /** Absent when open-ended. */
  readonly validTo?: number;
}

/** Times shared by every recorded version. */
interface VersionTimes {
  /** Commit time of the version; never decreases within a key. */
  readonly txTime: number;
  readonly validFrom: number;
  /** Absent when open-ended. */
  readonly validTo?: number;
}

/** One recorded version of a key: a value (`put`, `correct`) or a retraction, which has none. */
export type Version<V> =
  | (VersionTimes & { readonly value: V; readonly kind: 'put' | 'correct' })
  | (VersionTimes & { readonly value?: undefined; readonly kind: 'retract' });

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
  /** Records that the key has no value over `[validFrom, validTo)` (default: from now on); earlier versions stay. */
  retract(key: Key, interval?: ValidInterval): Promise<void>;
  /** The keys with a value at `asOfValid` as known at `asOfTx`, in key order, each with its answering version. */
  scan(options?: ScanOptions): Promise<Array<ScanEntry<V>>>;
}
