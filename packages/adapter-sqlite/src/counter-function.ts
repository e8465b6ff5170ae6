import { applyCounterUpdate, StoreError } from '@agentstore/core/spi';
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
    (current: Uint8Array | number | null, by: number, threshold: number | null, setTo: number | null) => {
      // An INTEGER is a side-table id (see big-values.ts): a value far larger than any counter.
      if (typeof current === 'number' || typeof current === 'bigint')
        throw new StoreError('INVALID_VALUE', 'the stored value is not a counter');
      return applyCounterUpdate(current ?? undefined, {
        by,
        bounded: threshold === null || setTo === null ? undefined : { threshold, setTo },
      });
    },
  );
}
