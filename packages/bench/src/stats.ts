/** Latency and throughput figures of one measured operation. */
export interface Summary {
  /** Operations measured (warm-up excluded). */
  readonly ops: number;
  /** Operations per second over the measured wall time. */
  readonly opsPerSec: number;
  /** Median latency of one operation, in microseconds. */
  readonly p50Us: number;
  /** 99th-percentile latency, in microseconds. */
  readonly p99Us: number;
  /** Mean latency, in microseconds. */
  readonly meanUs: number;
}

/**
 * Collects per-operation latencies (nanoseconds) and the wall time they took. Percentiles come from
 * the sorted samples (nearest rank), so they are exact for the samples taken.
 */
export class Recorder {
  #samples: Float64Array;
  #count = 0;
  #wallNs = 0;

  constructor(expected = 1024) {
    this.#samples = new Float64Array(Math.max(16, expected));
  }

  /** Records one operation's latency. */
  add(ns: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ns;
  }

  /** Adds measured wall time (the denominator of ops/s). */
  addWall(ns: number): void {
    this.#wallNs += ns;
  }

  get count(): number {
    return this.#count;
  }

  summary(): Summary {
    const n = this.#count;
    if (n === 0 || this.#wallNs <= 0) return { ops: n, opsPerSec: 0, p50Us: 0, p99Us: 0, meanUs: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i] as number;
    return {
      ops: n,
      opsPerSec: n / (this.#wallNs / 1e9),
      p50Us: rank(sorted, 0.5) / 1e3,
      p99Us: rank(sorted, 0.99) / 1e3,
      meanUs: sum / n / 1e3,
    };
  }
}

/** Nearest-rank percentile of sorted samples. */
function rank(sorted: Float64Array, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}
