/** Public types of the `journal` kind (SPEC §5). All times are epoch milliseconds. */
import type { Codec } from '../types.js';

/** A stream name: a well-formed string of 1..256 characters. */
export type StreamName = string;

/** Options of `store.journal()`. */
export interface JournalOptions<V> {
  /** Value codec; the default codec round-trips what structured clone does on plain data. */
  readonly codec?: Codec<V>;
}

/** Options of `append`. */
export interface AppendOptions {
  /** When the appended events happened in the world (any finite number); stored with every value. */
  readonly validTime?: number;
  /**
   * Optimistic concurrency: append only if the stream's last seq is still this (0 for a stream never
   * appended to), read inside the append's transaction; otherwise `CONFLICT` and nothing is written.
   */
  readonly expectLastSeq?: number;
}

/** What `append` returns: the seqs given to the first and the last appended value. */
export interface AppendResult {
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** Options of `read`. Bounds are inclusive; `reverse` only flips the order within them. */
export interface JournalReadOptions {
  readonly fromSeq?: number;
  readonly toSeq?: number;
  /** At most this many entries (the first ones in the chosen order). */
  readonly limit?: number;
  /** Newest first. */
  readonly reverse?: boolean;
}

/** Options of `streams`. */
export interface StreamsOptions {
  /** Only streams whose name starts with this. */
  readonly prefix?: string;
  /** Only streams sorting after this name (UTF-8 byte order). */
  readonly after?: StreamName;
  readonly limit?: number;
}

/** One journal entry. */
export interface JournalEntry<V> {
  /** 1, 2, 3, … per stream, gap-free, assigned in the append transaction. */
  readonly seq: number;
  /** Commit time of the append; never decreases within a stream. */
  readonly txTime: number;
  /** The `validTime` given to `append`, when one was. */
  readonly validTime?: number;
  readonly value: V;
}

/** Append-only streams with gap-free per-stream sequence numbers: one domain of kind `journal`. */
export interface Journal<V = unknown> {
  /** Appends `values` (at least one) atomically; their seqs are consecutive. */
  append(stream: StreamName, values: readonly V[], options?: AppendOptions): Promise<AppendResult>;
  /** Entries of `stream` within the inclusive bounds, in seq order (newest first with `reverse`). */
  read(stream: StreamName, options?: JournalReadOptions): Promise<Array<JournalEntry<V>>>;
  /** The seq of the stream's last append; 0 for a stream never appended to. */
  lastSeq(stream: StreamName): Promise<number>;
  /**
   * The lowest seq the stream still holds (`lastSeq + 1` when it holds none): entries below it were
   * removed by `truncateBefore` or retention (`maxAge`), and `read` from below it starts here.
   */
  firstSeq(stream: StreamName): Promise<number>;
  /** Removes every entry with a seq below `seq`; returns how many it removed. Later appends keep counting. */
  truncateBefore(stream: StreamName, seq: number): Promise<number>;
  /** Names of the streams appended to (also those truncated to nothing), in UTF-8 byte order. */
  streams(options?: StreamsOptions): Promise<StreamName[]>;
}
