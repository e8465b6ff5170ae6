import type { CheckpointMetadata, writesSortKey } from '@langchain/langgraph-checkpoint';
import type { CheckpointRecord, WriteRecord } from './layout.js';

/** A stored checkpoint located by thread, namespace and id. */
export interface Located {
  readonly thread: string;
  readonly ns: string;
  readonly id: string;
  readonly record: CheckpointRecord;
  /** Its metadata, once something (a `list` filter) has loaded it. */
  metadata?: CheckpointMetadata;
  /** Its pending writes, when the read that found the record also met them. */
  writes?: WriteRow[];
}

/** One stored pending write with its place in LangGraph's replay order. */
export interface WriteRow {
  readonly sort: ReturnType<typeof writesSortKey>;
  readonly taskId: string;
  readonly record: WriteRecord;
}
