import { createHash } from 'node:crypto';

/** A small seeded PRNG (Marsaglia xorshift128): the parent logs its seed so a run can be replayed. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // Spread the seed over four words with an LCG so that nearby seeds diverge at once.
    let s = seed >>> 0 || 0x9e3779b9;
    const next = () => {
      s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
      return s;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next() | 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = this.#a ^ (this.#a << 11);
    this.#a = this.#b;
    this.#b = this.#c;
    this.#c = this.#d;
    this.#d = (this.#d ^ (this.#d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.#d / 0x1_0000_0000;
  }

  /** Integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Integer in [min, max], log-uniformly distributed (many small values, some large ones). */
  logInt(min: number, max: number): number {
    const value = Math.floor(Math.exp(Math.log(min) + this.next() * (Math.log(max + 1) - Math.log(min))));
    return Math.min(max, Math.max(min, value));
  }
}

/** A seed from the environment variable `name`, else a fresh one (the caller logs it). */
export function seedFrom(name: string): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw);
    if (!Number.isSafeInteger(seed)) throw new Error(`${name} must be an integer, got ${raw}`);
    return seed;
  }
  return Math.floor(Math.random() * 0xffff_ffff);
}

/** Hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
