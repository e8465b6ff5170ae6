/**
 * The facts the versioned crash test writes, derived from where they were issued (both sides agree).
 * Each op's valid-time start encodes its id, so every version a reopened store holds names the op
 * that wrote it, and the parent can recompute what that op must have written.
 */

/** Keys the writers share (contention on one key's head across processes). */
export const FACT_KEYS = 24;
/** Valid times start here; an op's validFrom is VALID_BASE + its id. */
export const VALID_BASE = 1_700_000_000_000;
/** Ops one writer may issue per round (ids of writer w in round r: (r * 16 + w) * OPS_PER_WRITER + k). */
export const OPS_PER_WRITER = 100_000;
/** The writer number the parent uses for its own sentinel puts. */
export const PARENT_WRITER = 15;

/** One op of the versioned crash writers. */
export interface FactOp {
  readonly w: number;
  readonly r: number;
  readonly k: number;
  readonly key: [string, number];
  readonly kind: 'put' | 'correct' | 'retract';
  readonly validFrom: number;
  readonly validTo?: number;
  /** Absent for a retraction. */
  readonly value?: FactValue;
}

/** What a put or correct stores. */
export interface FactValue {
  readonly w: number;
  readonly r: number;
  readonly k: number;
  readonly pad: string;
}

const mix = (x: number, salt: number): number => {
  let h = Math.imul(x ^ salt, 2_654_435_761) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 2_246_822_519) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
};

/** Op `k` of writer `w` in round `r`: 40 % retractions (a quarter of them bounded), 50 % puts, 10 % corrections. */
export function factOp(w: number, r: number, k: number): FactOp {
  const id = (r * 16 + w) * OPS_PER_WRITER + k;
  const validFrom = VALID_BASE + id;
  const pick = mix(id, 1) % 10;
  const kind = pick < 4 ? 'retract' : pick < 9 ? 'put' : 'correct';
  const bounded = mix(id, 2) % (kind === 'retract' ? 4 : 3) === 0;
  const span = 1 + (mix(id, 3) % 400_000);
  return {
    w,
    r,
    k,
    key: ['fact', mix(id, 4) % FACT_KEYS],
    kind,
    validFrom,
    ...(bounded ? { validTo: validFrom + span } : {}),
    ...(kind === 'retract' ? {} : { value: { w, r, k, pad: 'x'.repeat((k * 13) % 300) } }),
  };
}

/** The op whose validFrom this is: (w, r, k). */
export function opOfValidFrom(validFrom: number): { w: number; r: number; k: number } {
  const id = validFrom - VALID_BASE;
  const k = id % OPS_PER_WRITER;
  const wr = (id - k) / OPS_PER_WRITER;
  return { w: wr % 16, r: Math.floor(wr / 16), k };
}
