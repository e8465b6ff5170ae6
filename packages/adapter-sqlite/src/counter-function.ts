import { applyCounterUpdate } from '@agentstore/core/spi';
import type { SqliteDatabase } from './driver.js';

/**
 * Registers `agentstore_counter(current, by, threshold, setTo)` on `db`: the bytes core stores for a
 * counter update (threshold and setTo NULL when unbounded), so one upsert statement can apply it.
 * An INVALID_VALUE it throws fails the statement, which then writes nothing.
 */
export function registerCounterFunction(db: SqliteDatabase): void {
  db.function(
    'agentstore_counter',
    { directOnly: true },
    (current: Uint8Array | null, by: number, threshold: number | null, setTo: number | null) =>
      applyCounterUpdate(current ?? undefined, { by, bounded: threshold === null || setTo === null ? undefined : { threshold, setTo } }),
  );
}
