// The types of `store.prune()`, apart from the pruning code: the store's interface names them, and
// the pruning code depends on the runtime (an import back from the interface would be a cycle).
import type { DomainKind } from '../types.js';

/** Options of `store.prune()`. */
export interface PruneOptions {
  /** Count what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Only this domain (default: every domain with data). */
  readonly domain?: string;
}

/** What `store.prune()` did to one domain. */
export interface DomainPruneResult {
  readonly kind: DomainKind;
  readonly adapter: string;
  /** The rule applied: `maxAge` (journal, checkpoints) or `ttl` (kv records past their expiry). */
  readonly rule: 'maxAge' | 'ttl';
  /** Journal entries, checkpoints or kv records removed (with `dryRun`: that would be removed). */
  readonly removed: number;
}

/** `store.prune()`'s answer: one entry per domain a rule applies to (removed may be 0). */
export type PruneReport = Record<string, DomainPruneResult>;
