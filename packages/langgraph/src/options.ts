import { StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';
import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';

/** Options of `new AgentstoreSaver(store, options)`. Each domain can be routed to any adapter. */
export interface AgentstoreSaverOptions {
  /** kv domain of checkpoint records and channel values; default `'checkpoints'`. */
  readonly checkpoints?: string;
  /** kv domain of pending writes; default `'checkpoint_writes'`. */
  readonly writes?: string;
  /** Checkpoint-kind domain holding each thread's head when `exclusiveThreads` is on; default `'checkpoint_heads'`. */
  readonly heads?: string;
  /** When true, `put` is compare-and-set on the parent checkpoint: a second writer gets `CONFLICT`. */
  readonly exclusiveThreads?: boolean;
  /** Serializer for checkpoints, metadata, channel values and writes; default `AgentstoreSerde`. */
  readonly serde?: SerializerProtocol;
}

/** The options with every default filled. */
export interface ResolvedSaverOptions {
  readonly checkpoints: string;
  readonly writes: string;
  readonly heads: string;
  readonly exclusiveThreads: boolean;
}

const KNOWN = new Set(['checkpoints', 'writes', 'heads', 'exclusiveThreads', 'serde']);

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
  });
  for (const name of [resolved.checkpoints, resolved.writes, resolved.heads]) assertDomainName(name);
  if (new Set([resolved.checkpoints, resolved.writes, resolved.heads]).size !== 3)
    throw new StoreError('INVALID_OPTIONS', 'the checkpoints, writes and heads domains must be three different domains');
  if (typeof resolved.exclusiveThreads !== 'boolean') throw new StoreError('INVALID_OPTIONS', 'exclusiveThreads must be a boolean');
  return resolved;
}
