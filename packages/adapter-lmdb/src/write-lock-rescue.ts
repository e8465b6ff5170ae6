import { Worker } from 'node:worker_threads';

/**
 * Wakes this process's main thread when it sleeps on LMDB's write lock after a lost wakeup.
 *
 * LMDB's cross-process write lock is a robust pthread mutex in `lock.mdb`. Releasing it wakes one
 * waiting process; when that process is killed before it takes the lock, the wakeup is lost and the
 * other waiters sleep on although the lock is free. Measured in the SIGKILL crash test (3 writers, 1
 * round in 50–100): a writer blocked for 60 s in `mdb_txn_begin`, the mutex word reading
 * FUTEX_OWNER_DIED with no waiter bit, and a debugger's interrupt let it go on at once. Any signal
 * with a handler does the same: the futex wait returns, and glibc looks at the lock again — it takes a
 * free one and sleeps again on a held one. So while a write-lock call has lasted a poll period, a
 * helper thread sends this process SIGURG (ignored unless handled; the listener here does nothing).
 */

const POLL_MS = 250;

// [0]: write-lock calls in progress on the main thread; [1]: how many have started (so the helper
// can tell a call that lasts from one that follows another); [2]: wake-up signals sent.
let state: Int32Array | undefined;

const HELPER = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData);
let seen = -1;
setInterval(() => {
  const epoch = Atomics.load(state, 1);
  if (Atomics.load(state, 0) > 0 && epoch === seen) {
    Atomics.add(state, 2, 1);
    process.kill(process.pid, 'SIGURG');
  }
  seen = epoch;
}, ${POLL_MS});
`;

function start(): Int32Array {
  const shared = new Int32Array(new SharedArrayBuffer(12));
  process.on('SIGURG', () => {});
  const helper = new Worker(HELPER, { eval: true, workerData: shared.buffer });
  // Never keeps the process alive, and a helper that fails only loses the rescue.
  helper.unref();
  helper.on('error', () => {});
  return shared;
}

/** Runs `call`, which may wait for LMDB's write lock, with the lost-wakeup rescue armed. */
export function withWriteLock<T>(call: () => T): T {
  state ??= start();
  Atomics.add(state, 1, 1);
  Atomics.add(state, 0, 1);
  try {
    return call();
  } finally {
    Atomics.sub(state, 0, 1);
  }
}

/**
 * How many wake-up signals the helper has sent in this process: write-lock calls that had lasted a poll
 * period (a lost wakeup rescued, or a lock held that long by another writer). For test figures.
 */
export function writeLockWakeups(): number {
  return state === undefined ? 0 : Atomics.load(state, 2);
}
