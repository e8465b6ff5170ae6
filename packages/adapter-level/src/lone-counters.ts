import { applyCounterUpdate, type Bytes, type CounterUpdate, type Durability } from '@agentstore/core/spi';
import { withPrefix } from './keys.js';
import type { LevelEngine } from './level-engine.js';
import type { NativeDb, NativeOp } from './native.js';

/**
 * Counter updates run as exclusive work of the location's queue (nothing else writes meanwhile, and
 * the location is locked against other processes): one `getSync` per key, then one native write, as
 * a raw classic-level counter does. The general transaction path (a view, a write log and a read
 * cache per job) costs a lone durable counter about a third of its throughput here.
 */
export async function loneCounters(
  db: NativeDb,
  engine: LevelEngine,
  prefix: Buffer,
  durability: Durability,
  updates: readonly CounterUpdate[],
  checkGuard: () => void,
): Promise<Bytes[]> {
  checkGuard();
  const batch: NativeOp[] = [];
  // A key updated twice in one call reads its first update (LevelDB reads do not see the batch).
  const written = updates.length > 1 ? new Map<string, Uint8Array>() : undefined;
  const results = updates.map((update) => {
    const full = withPrefix(prefix, update.key);
    const id = written === undefined ? '' : full.toString('latin1');
    const current = written?.get(id) ?? db.getSync(full);
    const next = applyCounterUpdate(current, update);
    written?.set(id, next);
    batch.push({ type: 'put', key: full, value: next });
    return next;
  });
  await engine.commit(batch, durability);
  return results;
}
