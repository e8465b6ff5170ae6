import { StoreError } from '@agentstore/core';

/** Error codes classic-level and Node put on the errors this adapter sees. */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  // classic-level wraps the engine's error (e.g. LEVEL_DATABASE_NOT_OPEN around LEVEL_LOCKED), so
  // walk the cause chain; a few levels are enough and guard against cycles.
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Turns a native LevelDB / file-system error into a StoreError, keeping the original as `cause`. */
export function translateLevelError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const codes = codesOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (codes.includes('LEVEL_LOCKED')) {
    return new StoreError('LOCKED', `${what}: the LevelDB location is held by another process (${message})`, { cause: err });
  }
  if (codes.includes('LEVEL_CORRUPTION')) {
    return new StoreError('CORRUPT', `${what}: LevelDB reports corruption (${message})`, { cause: err });
  }
  if (codes.includes('LEVEL_DATABASE_NOT_OPEN') && codes.length === 1) {
    return new StoreError('CLOSED', `${what}: the LevelDB location is closed`, { cause: err });
  }
  // LEVEL_IO_ERROR, ENOSPC, EACCES, EROFS, … and anything unexpected from the engine.
  return new StoreError('IO', `${what}: ${message}`, { cause: err });
}
