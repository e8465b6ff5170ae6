import { describe, expect, it } from 'vitest';
import { withWriteLock, writeLockWakeups } from '../src/write-lock-rescue.js';

/** Blocks this thread for `ms`, as a native call waiting for LMDB's write lock would. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function countSignals(): { readonly count: () => number; stop(): void } {
  let n = 0;
  const listener = () => {
    n++;
  };
  process.on('SIGURG', listener);
  return { count: () => n, stop: () => process.off('SIGURG', listener) };
}

/** Lets signal handlers that were held while this thread was blocked run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('write-lock rescue', () => {
  it('signals a main thread that stays inside a write-lock call, and leaves short calls alone', async () => {
    const signals = countSignals();
    try {
      // Starts the helper thread and lets it boot.
      withWriteLock(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < 20; i++) withWriteLock(() => blockFor(5));
      await settle();
      expect(signals.count()).toBe(0);
      expect(writeLockWakeups()).toBe(0);
      expect(withWriteLock(() => 'value')).toBe('value');
      withWriteLock(() => blockFor(1_200));
      await settle();
      expect(signals.count()).toBeGreaterThanOrEqual(1);
      expect(writeLockWakeups()).toBe(signals.count()); // the counter the reliability report reads
      const after = signals.count();
      blockFor(800);
      await settle();
      expect(signals.count()).toBe(after);
    } finally {
      signals.stop();
    }
  });

  it('passes a throw through and disarms', async () => {
    const signals = countSignals();
    try {
      expect(() =>
        withWriteLock(() => {
          throw new Error('inside');
        }),
      ).toThrow('inside');
      blockFor(800);
      await settle();
      expect(signals.count()).toBe(0);
    } finally {
      signals.stop();
    }
  });
});
