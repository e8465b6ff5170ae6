/**
 * The LMDB write-lock rescue's wake-up count of this process (`lmdbWriteLockWakeups`), once the LMDB
 * adapter is loaded: `stores.ts` registers the counter when it imports an adapter that exports one, so a
 * process that never loads LMDB never pays for it.
 */

let counter: (() => number) | undefined;

/** Registers the loaded adapter module's wake-up counter, if it exports one. */
export function watchWakeups(module: Record<string, unknown>): void {
  const fn = module.lmdbWriteLockWakeups;
  if (typeof fn === 'function') counter = fn as () => number;
}

/** Wake-up signals the write-lock rescue has sent in this process (0 before LMDB is loaded). */
export function ownWakeups(): number {
  return counter?.() ?? 0;
}
