/** Counters for tests and benchmarks; process-wide, like the location registry. Not public API. */
export interface LevelDiagnostics {
  /** Native LevelDB opens performed. */
  nativeOpens: number;
  /** Physical batches written by transactions (group commits). */
  batches: number;
  /** Transactions committed through those batches. */
  transactions: number;
  /** Runs of transaction functions repeated after fetching a range (read-through replay). */
  replays: number;
}

const KEY = Symbol.for('agentstore.adapter-level.diagnostics');
const holder = globalThis as { [KEY]?: LevelDiagnostics };

holder[KEY] ??= { nativeOpens: 0, batches: 0, transactions: 0, replays: 0 };

/** The process-wide diagnostics counters. */
export const diagnostics: LevelDiagnostics = holder[KEY];
