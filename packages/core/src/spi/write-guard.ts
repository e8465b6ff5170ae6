import { applyCounterUpdate } from '../kv/counter-op.js';
import type { Bytes, CounterUpdate, Tx, WriteGuard } from './backend.js';

/**
 * Refuses as `guard` says when its key holds a value; `read` reads that key in the caller's write
 * transaction (after the lock that serializes writers), which is what makes the check exact.
 */
export function enforceWriteGuard(guard: WriteGuard | undefined, read: (key: Bytes) => Bytes | undefined): void {
  if (guard === undefined) return;
  const held = read(guard.key);
  if (held !== undefined) throw guard.refuse(held);
}

/**
 * `updateCounters` as one transaction function, for backends without a native counter statement:
 * the guard first, then each update in order on what the previous ones wrote.
 */
export function counterUpdatesInTx(tx: Tx, updates: readonly CounterUpdate[], guard?: WriteGuard): Bytes[] {
  enforceWriteGuard(guard, (key) => tx.get(key));
  return updates.map((update) => {
    const next = applyCounterUpdate(tx.get(update.key), update);
    tx.put(update.key, next);
    return next;
  });
}
