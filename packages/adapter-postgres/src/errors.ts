import { type ErrorCode, StoreError } from '@agentstore/core/spi';

/** The SQLSTATE of a PostgreSQL error (`40001`, …), or undefined for anything else. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Worth retrying the whole transaction: serialization failure, deadlock, lock timeout. */
export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state === '40001' || state === '40P01' || state === '55P03';
}

/** The domain's table or the whole schema vanished (dropped by another store or process). */
export function isMissingRelation(err: unknown): boolean {
  const state = sqlState(err);
  return state === '42P01' || state === '3F000';
}

/**
 * The connection is gone or unusable: refused, reset, terminated by the server, timed out. The
 * statement that saw it did not commit anything unless it was a COMMIT.
 */
export function isConnectionError(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) {
    // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now.
    return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, EPIPE, …
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

function codeFor(err: unknown): ErrorCode {
  const state = sqlState(err);
  if (state === undefined) return 'IO';
  if (isRetryable(err)) return 'BUSY';
  if (state === 'XX001' || state === 'XX002') return 'CORRUPT';
  if (state === '54000' || state === '22001') return 'VALUE_TOO_LARGE';
  // 53100 disk full, 53200 out of memory, 53300 too many connections, 57014 statement timeout,
  // 08 connection, 28 authentication, 3D000 no such database, 58 system errors, and anything else.
  return 'IO';
}

/** Turns a pg / socket error into a StoreError, keeping it as `cause`; StoreErrors pass through. */
export function translateError(err: unknown, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const state = sqlState(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError(codeFor(err), `postgres: ${doing} failed${state ? ` (${state})` : ''}: ${detail}`, { cause: err });
}
