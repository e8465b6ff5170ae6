import type { BlobCheckpointStore, CheckpointId, CheckpointInfo, Codec, Json, ListOptions, TraceId, TracesOptions } from '../types.js';

/** A checkpoint with its decoded state. */
export type TypedCheckpoint<S> = CheckpointInfo & { readonly state: S };

/** Options of a typed save: everything a blob save takes but the data. */
export interface TypedSaveOptions {
  readonly metadata?: Record<string, Json>;
  readonly parentId?: CheckpointId;
  readonly expectLatest?: CheckpointId | null;
}

/** A checkpoint store of typed states, encoded by a codec over a {@link BlobCheckpointStore}. */
export interface TypedCheckpointStore<S> {
  /** Encodes and saves `state`. */
  save(traceId: TraceId, state: S, opts?: TypedSaveOptions): Promise<CheckpointInfo>;
  /** The checkpoint with this id, decoded. */
  load(id: CheckpointId): Promise<TypedCheckpoint<S> | undefined>;
  /** The trace's newest checkpoint, decoded. */
  loadLatest(traceId: TraceId): Promise<TypedCheckpoint<S> | undefined>;
  /** Infos, newest first (no decoding). */
  list(traceId: TraceId, opts?: ListOptions): Promise<CheckpointInfo[]>;
  /** Infos, newest first, streamed. */
  iterate(traceId: TraceId, opts?: ListOptions): AsyncIterable<CheckpointInfo>;
  /** Deletes one checkpoint. */
  delete(id: CheckpointId): Promise<boolean>;
  /** Keeps the newest `keep` checkpoints. */
  prune(traceId: TraceId, keep: number): Promise<number>;
  /** Deletes a whole trace. */
  deleteTrace(traceId: TraceId): Promise<number>;
  /** Trace ids in order. */
  traces(opts?: TracesOptions): Promise<TraceId[]>;
  /** Checkpoints in the trace, or in the whole domain. */
  count(traceId?: TraceId): Promise<number>;
  /** The underlying blob store. */
  readonly blobs: BlobCheckpointStore;
}

/** Wraps a blob checkpoint store so states go through `codec` on save and load. */
export function typedCheckpoints<S>(blobs: BlobCheckpointStore, codec: Codec<S>): TypedCheckpointStore<S> {
  const decode = <B extends { data: Uint8Array }>(blob: B | undefined): (Omit<B, 'data'> & { state: S }) | undefined => {
    if (blob === undefined) return undefined;
    const { data, ...info } = blob;
    return { ...info, state: codec.decode(data) };
  };
  return {
    blobs,
    async save(traceId, state, opts = {}) {
      return blobs.save(traceId, { ...opts, data: codec.encode(state) });
    },
    async load(id) {
      return decode(await blobs.load(id));
    },
    async loadLatest(traceId) {
      return decode(await blobs.loadLatest(traceId));
    },
    list: (traceId, opts) => blobs.list(traceId, opts),
    iterate: (traceId, opts) => blobs.iterate(traceId, opts),
    delete: (id) => blobs.delete(id),
    prune: (traceId, keep) => blobs.prune(traceId, keep),
    deleteTrace: (traceId) => blobs.deleteTrace(traceId),
    traces: (opts) => blobs.traces(opts),
    count: (traceId) => blobs.count(traceId),
  };
}
