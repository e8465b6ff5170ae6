import { StoreError } from '../errors.js';
import type { TupleCounterOps } from '../types.js';
import { applyCounterOp, type NormalizedCounterOp, normalizeCounterOp } from './counter-op.js';
import { MAX_TUPLE_POSITIONS } from './value-envelope.js';

/** A validated tuple counter update: each op with the position it applies to. */
export type NormalizedTupleOps = ReadonlyArray<readonly [position: number, op: NormalizedCounterOp]>;

/**
 * Validates `[position, op]` pairs (BeamAgent's `[{Pos, Incr}, {Pos, Incr, Threshold, Set}]`):
 * positions are integers from 0 below {@link MAX_TUPLE_POSITIONS}, each op as `updateCounter` takes
 * it; `INVALID_VALUE` before anything is written.
 */
export function normalizeTupleOps(ops: TupleCounterOps): NormalizedTupleOps {
  if (!Array.isArray(ops) || ops.length === 0) {
    throw new StoreError('INVALID_VALUE', 'tuple counter ops are a non-empty array of [position, op]');
  }
  return ops.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new StoreError('INVALID_VALUE', `tuple counter op ${i} is not [position, op]`);
    const [position, op] = pair as [unknown, unknown];
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position >= MAX_TUPLE_POSITIONS) {
      throw new StoreError(
        'INVALID_VALUE',
        `tuple counter position must be an integer in [0, ${MAX_TUPLE_POSITIONS}), got ${String(position)}`,
      );
    }
    return [position, normalizeCounterOp(op as Parameters<typeof normalizeCounterOp>[0])] as const;
  });
}

/**
 * Applies the ops in order to a copy of `current` (absent positions count as 0 and the tuple grows
 * to the highest position touched); returns the new tuple and each op's result, like
 * `ets:update_counter` with a list of ops. Any op past the safe range throws and nothing applies.
 */
export function applyTupleOps(current: readonly number[], ops: NormalizedTupleOps): { tuple: number[]; results: number[] } {
  const tuple = [...current];
  const results = ops.map(([position, op]) => {
    while (tuple.length <= position) tuple.push(0);
    const next = applyCounterOp(tuple[position] as number, op);
    tuple[position] = next;
    return next;
  });
  return { tuple, results };
}
