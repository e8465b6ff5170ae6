import { StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';
import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';

/** Thread time-to-live of `new AgentstoreSaver(store, { ttl })`. */
export interface SaverTtlOptions {
  /** Milliseconds a thread lives after its last `put` (and read, with `refreshOnRead`). */
  readonly defaultTtlMs?: number;
  /** The same in minutes, as LangGraph's Redis saver names it; give one of the two. */
  readonly defaultTTL?: number;
  /** When true, `getTuple` and `list` of a thread push its expiry to now plus the TTL. Default false. */
  readonly refreshOnRead?: boolean;
  /** Runs `sweepExpired()` this often (milliseconds) until `close()`; default: never (call it yourself). */
  readonly sweepIntervalMs?: number;
  /** Most threads one sweep visits; default 1000. */
  readonly sweepLimit?: number;
}

/** Options of `new AgentstoreSaver(store, options)`. Each domain can be routed to any adapter. */
export interface AgentstoreSaverOptions {
  /** kv domain of checkpoint records, their pending writes and channel values; default `'checkpoints'`. */
  readonly checkpoints?: string;
  /**
   * kv domain where versions before the thread-first layout kept pending writes; default
   * `'checkpoint_writes'`. Read once to migrate them: writes now live next to their checkpoint.
   */
  readonly writes?: string;
  /** Checkpoint-kind domain holding each thread's head when `exclusiveThreads` is on; default `'checkpoint_heads'`. */
  readonly heads?: string;
  /** When true, `put` is compare-and-set on the parent checkpoint: a second writer gets `CONFLICT`. */
  readonly exclusiveThreads?: boolean;
  /**
   * When true, only the latest checkpoint of each thread and namespace is kept (with its pending
   * writes), as LangGraph's shallow savers do: a `put` removes the checkpoints it supersedes, `list`
   * yields at most one checkpoint per namespace, and time travel to older checkpoints is gone.
   */
  readonly shallow?: boolean;
  /** Threads expire after a time without writes (or reads): invisible at once, removed by `sweepExpired()`. */
  readonly ttl?: SaverTtlOptions;
  /** The clock TTLs are measured with, in epoch milliseconds; default `Date.now` (tests inject their own). */
  readonly clock?: () => number;
  /** Serializer for checkpoints, metadata, channel values and writes; default `AgentstoreSerde`. */
  readonly serde?: SerializerProtocol;
}

/** A thread TTL with every default filled. */
export interface ResolvedTtl {
  readonly ttlMs: number;
  readonly refreshOnRead: boolean;
  readonly sweepIntervalMs: number | undefined;
  readonly sweepLimit: number;
}

/** The options with every default filled. */
export interface ResolvedSaverOptions {
  readonly checkpoints: string;
  readonly writes: string;
  readonly heads: string;
  readonly exclusiveThreads: boolean;
  readonly shallow: boolean;
  readonly ttl: ResolvedTtl | undefined;
}

const KNOWN = new Set(['checkpoints', 'writes', 'heads', 'exclusiveThreads', 'shallow', 'ttl', 'clock', 'serde']);
const KNOWN_TTL = new Set(['defaultTtlMs', 'defaultTTL', 'refreshOnRead', 'sweepIntervalMs', 'sweepLimit']);

/** Checks the options (unknown keys, domain names) and fills defaults. */
export function resolveSaverOptions(options: AgentstoreSaverOptions): ResolvedSaverOptions {
  if (options === null || typeof options !== 'object') throw new StoreError('INVALID_OPTIONS', 'AgentstoreSaver options must be an object');
  if (Object.hasOwn(options, 'blobs'))
    throw new StoreError(
      'INVALID_OPTIONS',
      'the AgentstoreSaver option "blobs" is gone: channel values now live in the checkpoints domain, so a put is one commit',
    );
  const unknown = Object.keys(options).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new StoreError('INVALID_OPTIONS', `unknown AgentstoreSaver option(s): ${unknown.join(', ')}`);
  const resolved: ResolvedSaverOptions = Object.freeze({
    checkpoints: options.checkpoints ?? 'checkpoints',
    writes: options.writes ?? 'checkpoint_writes',
    heads: options.heads ?? 'checkpoint_heads',
    exclusiveThreads: options.exclusiveThreads ?? false,
    shallow: options.shallow ?? false,
    ttl: options.ttl === undefined ? undefined : resolveTtl(options.ttl),
  });
  for (const name of [resolved.checkpoints, resolved.writes, resolved.heads]) assertDomainName(name);
  if (new Set([resolved.checkpoints, resolved.writes, resolved.heads]).size !== 3)
    throw new StoreError('INVALID_OPTIONS', 'the checkpoints, writes and heads domains must be three different domains');
  if (typeof resolved.exclusiveThreads !== 'boolean') throw new StoreError('INVALID_OPTIONS', 'exclusiveThreads must be a boolean');
  if (typeof resolved.shallow !== 'boolean') throw new StoreError('INVALID_OPTIONS', 'shallow must be a boolean');
  if (resolved.shallow && resolved.exclusiveThreads)
    throw new StoreError(
      'INVALID_OPTIONS',
      'shallow and exclusiveThreads cannot be combined (a shallow thread keeps no history to resume from)',
    );
  if (options.clock !== undefined && typeof options.clock !== 'function')
    throw new StoreError('INVALID_OPTIONS', 'clock must be a function');
  return resolved;
}

function resolveTtl(ttl: SaverTtlOptions): ResolvedTtl {
  if (ttl === null || typeof ttl !== 'object') throw new StoreError('INVALID_OPTIONS', 'ttl must be an object');
  const unknown = Object.keys(ttl).filter((k) => !KNOWN_TTL.has(k));
  if (unknown.length > 0) throw new StoreError('INVALID_OPTIONS', `unknown ttl option(s): ${unknown.join(', ')}`);
  if ((ttl.defaultTtlMs === undefined) === (ttl.defaultTTL === undefined))
    throw new StoreError('INVALID_OPTIONS', 'ttl needs exactly one of defaultTtlMs and defaultTTL (minutes)');
  const ttlMs = ttl.defaultTtlMs ?? (ttl.defaultTTL as number) * 60_000;
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new StoreError('INVALID_OPTIONS', 'the thread TTL must be a positive number');
  const refreshOnRead = ttl.refreshOnRead ?? false;
  if (typeof refreshOnRead !== 'boolean') throw new StoreError('INVALID_OPTIONS', 'ttl.refreshOnRead must be a boolean');
  const interval = ttl.sweepIntervalMs;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0))
    throw new StoreError('INVALID_OPTIONS', 'ttl.sweepIntervalMs must be a positive number');
  const sweepLimit = ttl.sweepLimit ?? 1000;
  if (!(Number.isSafeInteger(sweepLimit) && sweepLimit > 0))
    throw new StoreError('INVALID_OPTIONS', 'ttl.sweepLimit must be a positive integer');
  return Object.freeze({ ttlMs, refreshOnRead, sweepIntervalMs: interval, sweepLimit });
}
