import { StoreError } from '@agentstore/core/spi';

/** Error codes and messages classic-level and Node put on the errors this adapter sees. */
function chainOf(err: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  // classic-level wraps the engine's error (e.g. LEVEL_DATABASE_NOT_OPEN around LEVEL_LOCKED), so
  // walk the cause chain; a few levels are enough and guard against cycles.
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if (current instanceof Error) messages.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return { codes, messages };
}

/**
 * An I/O error LevelDB reports on one of its own files that means the file is gone or shorter than
 * the manifest says (a table is read through mmap, and a read past its end is EINVAL): damage, not
 * a failing disk.
 */
const MISSING_OR_TRUNCATED = /IO error: \S*(\d+\.(ldb|sst|log)|MANIFEST-\d+|CURRENT): (No such file or directory|Invalid argument)/;

/** Turns a native LevelDB / file-system error into a StoreError, keeping the original as `cause`. */
export function translateLevelError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const { codes, messages } = chainOf(err);
  const message = messages.length > 0 ? messages.join(': ') : String(err);
  if (codes.includes('LEVEL_LOCKED')) {
    return new StoreError('LOCKED', `${what}: the LevelDB location is held by another process (${message})`, { cause: err });
  }
  if (codes.includes('LEVEL_CORRUPTION') || messages.some((m) => m.startsWith('Corruption:'))) {
    return new StoreError('CORRUPT', `${what}: LevelDB reports corruption (${message})`, { cause: err });
  }
  if (messages.some((m) => MISSING_OR_TRUNCATED.test(m))) {
    return new StoreError('CORRUPT', `${what}: a LevelDB file is missing or truncated (${message})`, { cause: err });
  }
  if (codes.includes('LEVEL_DATABASE_NOT_OPEN') && codes.length === 1) {
    return new StoreError('CLOSED', `${what}: the LevelDB location is closed`, { cause: err });
  }
  // LEVEL_IO_ERROR, ENOSPC, EACCES, EROFS, … and anything unexpected from the engine.
  return new StoreError('IO', `${what}: ${message}`, { cause: err });
}
