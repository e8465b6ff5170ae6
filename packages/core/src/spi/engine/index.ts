/** The transaction engine adapters share: group commit, replay and the read-your-writes `Tx` over a small `TxEngine`. */
export { inByteRange, keyId, rangeId } from './byte-keys.js';
export { CommitQueue, type CommitQueueOptions, type JobOptions } from './commit-queue.js';
export { PendingReadsBackend, type PendingSource } from './pending-reads.js';
export { nextTurn, SETTLES_PER_TURN, TurnBudget } from './turn-budget.js';
export type { BufferedWrite, EnginePhase, ErrorVerdict, FetchedValue, TxEngine } from './tx-engine.js';
export { lostWritesError, NOT_BLIND, PendingWrites, ProbeTx, type WriteBehind, writeBehindOf } from './write-behind.js';
export { WriteLog } from './write-log.js';
