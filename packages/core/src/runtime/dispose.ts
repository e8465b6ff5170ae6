/**
 * `Symbol.asyncDispose`. Node defines it from 20.4 on, as `Symbol.for('nodejs.asyncDispose')`; on
 * older versions the same registered symbol is used here without touching the global `Symbol`, so
 * `store[asyncDispose]()` works everywhere and `await using` works wherever the runtime (or a
 * polyfill loaded first) defines `Symbol.asyncDispose`.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);
