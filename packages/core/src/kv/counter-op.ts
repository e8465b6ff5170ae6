import { StoreError } from '../errors.js';
import type { Bytes, CounterUpdate } from '../spi/backend.js';
import type { CounterOp } from '../types.js';
import { counterRecord, TTL_TAG } from './ttl-record.js';
import { counterValue, encodeCounter } from './value-envelope.js';

/** A validated counter operation. */
export interface NormalizedCounterOp {
  readonly by: number;
  readonly bounded?: { readonly threshold: number; readonly setTo: number } | undefined;
}

function assertSafeInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new StoreError('INVALID_VALUE', `counter ${what} must be a safe integer, got ${String(value)}`);
  }
}

/** Validates a `CounterOp`; `INVALID_VALUE` for non-integers, NaN, or a threshold without setTo. */
export function normalizeCounterOp(op: CounterOp): NormalizedCounterOp {
  if (typeof op === 'number') {
    assertSafeInteger(op, 'increment');
    // `+ 0` turns -0 into 0: a counter is an integer, and every backend then stores the same bytes.
    return { by: op + 0 };
  }
  if (op === null || typeof op !== 'object')
    throw new StoreError('INVALID_VALUE', 'a counter op is a number or { by, threshold?, setTo? }');
  const extra = Object.keys(op).filter((k) => k !== 'by' && k !== 'threshold' && k !== 'setTo');
  if (extra.length > 0) throw new StoreError('INVALID_VALUE', `unknown counter op keys: ${extra.join(', ')}`);
  assertSafeInteger(op.by, 'increment');
  if (op.threshold === undefined && op.setTo === undefined) return { by: op.by + 0 };
  if (op.threshold === undefined || op.setTo === undefined) {
    throw new StoreError('INVALID_VALUE', 'a bounded counter op needs both threshold and setTo');
  }
  assertSafeInteger(op.threshold, 'threshold');
  assertSafeInteger(op.setTo, 'setTo');
  return { by: op.by + 0, bounded: { threshold: op.threshold + 0, setTo: op.setTo + 0 } };
}

/** Applies an op to the current value with `ets:update_counter` semantics; `INVALID_VALUE` past safe range. */
export function applyCounterOp(current: number, op: NormalizedCounterOp): number {
  const next = current + op.by;
  if (op.bounded) {
    const { threshold, setTo } = op.bounded;
    if ((op.by >= 0 && next > threshold) || (op.by < 0 && next < threshold)) return setTo;
  }
  if (!Number.isSafeInteger(next)) throw new StoreError('INVALID_VALUE', `counter would leave the safe-integer range (${next})`);
  return next;
}

/**
 * The bytes a counter update stores, given the bytes stored now (undefined: absent). Adapters that
 * implement `DomainBackend.updateCounters` call it so a counter is encoded by core alone;
 * `INVALID_VALUE` when `current` is not a counter or the result leaves the safe-integer range.
 */
export function applyCounterUpdate(current: Bytes | undefined, update: Omit<CounterUpdate, 'key'>): Uint8Array {
  if (current !== undefined && current[0] === TTL_TAG) {
    // A counter with a TTL keeps its expiry; an expired one starts again from 0, without a TTL.
    const { current: live, rewrap } = counterRecord(current, Date.now(), undefined);
    return rewrap(encodeCounter(applyCounterOp(counterValue(live), update)));
  }
  return encodeCounter(applyCounterOp(counterValue(current), update));
}
