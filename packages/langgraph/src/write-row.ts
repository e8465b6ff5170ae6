import type { Key } from '@agentstore/core';
import { writesSortKey } from '@langchain/langgraph-checkpoint';
import type { WriteRecord } from './layout.js';
import type { WriteRow } from './tuple-types.js';

/** The write of a `[thread, 1, ns, id, taskId, idx]` entry. */
export function row(key: Key, value: unknown): WriteRow {
  const [, , , , taskId, idx] = key as [string, number, string, string, string, number];
  const write = value as WriteRecord;
  return { sort: writesSortKey(write.taskPath, taskId, idx), taskId, record: write };
}
