import type { ToolDef } from '../tool.js';
import { artifactList, artifactStat } from './artifacts.js';
import { checkpointList, checkpointTraces } from './checkpoints.js';
import { listDomains } from './domains.js';
import { journalRead, journalStreams } from './journal.js';
import { kvGet, kvList } from './kv.js';
import { snapshotGet } from './snapshots.js';
import { versionedGet, versionedHistory } from './versioned.js';
import { journalAppend, kvDelete, kvPut } from './writes.js';

/** Every tool the server knows, reads first; write tools are offered only when writes are allowed. */
export const TOOLS: readonly ToolDef[] = [
  listDomains,
  kvList,
  kvGet,
  checkpointTraces,
  checkpointList,
  journalStreams,
  journalRead,
  versionedHistory,
  versionedGet,
  artifactList,
  artifactStat,
  snapshotGet,
  kvPut,
  kvDelete,
  journalAppend,
];
