import type { SqliteDatabase } from './driver.js';

/**
 * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` (rolled back if it throws), or directly when the
 * connection is already inside a transaction (a commit group). IMMEDIATE takes the write lock up
 * front, so setup racing with another process waits on the busy timeout instead of failing.
 */
export function inImmediateTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  if (db.inTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
