/** Counts and latency of one operation on one domain since the store opened. */
export interface OperationFigures {
  /** Calls finished (successful or not). */
  readonly count: number;
  /** Calls that failed. */
  readonly errors: number;
  /** Mean wall time of a call, in milliseconds. */
  readonly meanMs: number;
  /** Longest call, in milliseconds. */
  readonly maxMs: number;
}

/** A domain's operations since the store opened: totals and per operation (`get`, `put`, `save`, …). */
export interface DomainOperationStats extends OperationFigures {
  readonly byOperation: Readonly<Record<string, OperationFigures>>;
}

/** The running totals of one operation (mutable; read through `snapshot`). */
export class OpCounter {
  count = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;

  add(ms: number, failed: boolean): void {
    this.count++;
    if (failed) this.errors++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }
}

function figures(c: { count: number; errors: number; totalMs: number; maxMs: number }): OperationFigures {
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { count: c.count, errors: c.errors, meanMs: c.count === 0 ? 0 : round(c.totalMs / c.count), maxMs: round(c.maxMs) };
}

/** Per-domain operation counters of one store; a handle holds its domain's map, so recording is two lookups. */
export class OpStats {
  readonly #domains = new Map<string, Map<string, OpCounter>>();

  /** The counters of `domain`, created on first use. */
  of(domain: string): Map<string, OpCounter> {
    let ops = this.#domains.get(domain);
    if (!ops) {
      ops = new Map();
      this.#domains.set(domain, ops);
    }
    return ops;
  }

  /** Domains with at least one recorded operation. */
  domains(): string[] {
    return [...this.#domains.keys()];
  }

  /** A copy of `domain`'s figures, or undefined when nothing ran on it. */
  snapshot(domain: string): DomainOperationStats | undefined {
    const ops = this.#domains.get(domain);
    if (!ops || ops.size === 0) return undefined;
    const total = { count: 0, errors: 0, totalMs: 0, maxMs: 0 };
    const byOperation: Record<string, OperationFigures> = {};
    for (const [name, c] of [...ops].sort(([a], [b]) => (a < b ? -1 : 1))) {
      byOperation[name] = figures(c);
      total.count += c.count;
      total.errors += c.errors;
      total.totalMs += c.totalMs;
      total.maxMs = Math.max(total.maxMs, c.maxMs);
    }
    return { ...figures(total), byOperation };
  }
}
