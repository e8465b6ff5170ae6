/**
 * Promises a handle method returns already settled, from a read that ran synchronously: the
 * observer (`observe.ts`) recognizes the last one made and counts the operation at once, instead of
 * chaining a callback (one more promise and one more microtask per call) to learn when it ends.
 */

let lastSettled: Promise<unknown> | undefined;
let lastFailure: unknown;

/** A promise resolved with `value`, marked as settled now. */
export function settledWith<T>(value: T): Promise<T> {
  const settled = Promise.resolve(value);
  lastSettled = settled;
  lastFailure = undefined;
  return settled;
}

/** A promise rejected with `error`, marked as settled now. */
export function failedWith(error: unknown): Promise<never> {
  const failed = Promise.reject(error);
  lastSettled = failed;
  lastFailure = error ?? new Error('operation failed');
  return failed;
}

/**
 * When `result` is the promise marked last: unmarks it and says how it settled (`ok`, or the
 * error); otherwise undefined (the caller waits for it).
 */
export function takeSettled(result: unknown): { readonly error: unknown } | undefined {
  if (result !== lastSettled || lastSettled === undefined) return undefined;
  lastSettled = undefined;
  const error = lastFailure;
  lastFailure = undefined;
  return error === undefined ? OK : { error };
}

const OK = Object.freeze({ error: undefined });
