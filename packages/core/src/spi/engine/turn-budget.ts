/**
 * Settlements a writer may make without the event loop turning (synchronous commits, microtask
 * groups, memory writes): enough that a loop of writes rarely waits for a turn, few enough that
 * timers and I/O wait at most a few milliseconds.
 */
export const SETTLES_PER_TURN = 64;

/**
 * Counts settlements made since the event loop last turned. A loop of awaited writes that each
 * settle synchronously runs on microtasks only and never lets timers or I/O run (a writer stopped by
 * a timer never stops); past the budget a writer waits for the next turn instead.
 */
export class TurnBudget {
  #spent = 0;

  /** Whether one more settlement fits in this turn. */
  get available(): boolean {
    return this.#spent < SETTLES_PER_TURN;
  }

  /** Counts one settlement; the count restarts when the event loop turns. */
  spend(): void {
    if (this.#spent++ > 0) return;
    setImmediate(() => {
      this.#spent = 0;
    });
  }
}

/** Resolves with `value` in the next event-loop turn. */
export function nextTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}
