import { type ErrorCode, StoreError } from '@agentstore/core/spi';

/** The `code` of a native SQLite error (`SQLITE_BUSY_SNAPSHOT`, …), or undefined for anything else. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for errors that say another connection holds a lock (worth retrying). */
export function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** True when a statement failed because its table was dropped (by another store or process). */
export function isMissingTable(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_ERROR' && /no such table/i.test((err as Error).message);
}

/** True for native errors that doom every transaction on the file, not just the one that hit them. */
export function isFatal(err: unknown): boolean {
  const code = err instanceof StoreError ? err.code : toStoreCode(err);
  return code === 'IO' || code === 'CORRUPT' || code === 'BUSY';
}

function toStoreCode(err: unknown): ErrorCode | undefined {
  const code = sqliteCode(err);
  if (code === undefined) {
    const errno = (err as { code?: unknown } | null)?.code;
    return typeof errno === 'string' && /^E[A-Z]+$/.test(errno) ? 'IO' : undefined;
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'BUSY';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'CORRUPT';
  if (code === 'SQLITE_TOOBIG') return 'VALUE_TOO_LARGE';
  // FULL, IOERR_*, CANTOPEN, READONLY_*, NOMEM, PROTOCOL and anything unexpected: the storage failed.
  return 'IO';
}

/**
 * Turns a native SQLite or file-system error into a StoreError (keeping it as `cause`); any other
 * error (a StoreError, or one thrown by a transaction function) is returned unchanged.
 */
export function translateError(err: unknown, doing: string): unknown {
  if (err instanceof StoreError) return err;
  const code = toStoreCode(err);
  if (code === undefined) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError(code, `sqlite: ${doing} failed: ${detail}`, { cause: err });
}
