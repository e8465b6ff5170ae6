import { type ErrorCode, StoreError } from '@agentstore/core/spi';

/** Error messages of the LMDB engine (`mdb_strerror`) and the StoreError code each becomes. */
const MDB_CODES: ReadonlyArray<[prefix: string, code: ErrorCode]> = [
  ['MDB_MAP_FULL', 'IO'],
  ['MDB_READERS_FULL', 'BUSY'],
  ['MDB_TLS_FULL', 'BUSY'],
  ['MDB_DBS_FULL', 'IO'],
  ['MDB_CORRUPTED', 'CORRUPT'],
  ['MDB_PAGE_NOTFOUND', 'CORRUPT'],
  ['MDB_INVALID', 'CORRUPT'],
  ['MDB_VERSION_MISMATCH', 'CORRUPT'],
  ['MDB_PANIC', 'IO'],
];

/** errno values (positive, as lmdb reports them) that mean "try again later". */
const BUSY_ERRNOS = new Set([11 /* EAGAIN */, 16 /* EBUSY */]);

/** Hints appended to the message for conditions a user can act on. */
const HINTS: Record<string, string> = {
  MDB_MAP_FULL: 'the LMDB map is full and could not grow (disk space or the mapSizeMb limit)',
  MDB_READERS_FULL: 'every LMDB reader slot is taken; raise maxReaders or close idle processes',
  MDB_DBS_FULL: 'the environment holds maxDbs named databases already; raise maxDbs',
};

/** Turns an lmdb/native error into a StoreError (kept as `cause`); StoreErrors pass through. */
export function toStoreError(err: unknown, action: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const errno = (err as { code?: unknown } | null)?.code;
  for (const [prefix, code] of MDB_CODES) {
    if (message.startsWith(prefix)) {
      return new StoreError(code, `lmdb ${action}: ${HINTS[prefix] ?? message}`, { cause: err });
    }
  }
  if (errno === 28 || /no space left/i.test(message)) {
    return new StoreError('IO', `lmdb ${action}: no space left on device`, { cause: err });
  }
  if (typeof errno === 'number' && BUSY_ERRNOS.has(errno)) {
    return new StoreError('BUSY', `lmdb ${action}: ${message}`, { cause: err });
  }
  return new StoreError('IO', `lmdb ${action}: ${message}`, { cause: err });
}
