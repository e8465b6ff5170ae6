import { isAbsolute, win32 } from 'node:path';
import { StoreError } from '../errors.js';

/** A Windows drive prefix (`C:x` is drive-relative, so not caught by `isAbsolute`). */
const DRIVE = /^[a-zA-Z]:/;

/**
 * The segments of a path meant to stay below a directory, or undefined when it cannot: empty, NUL,
 * absolute (POSIX or Windows, drive letters included), or any `..` segment (even one that would climb back in: one rule, no
 * normalizing). `.` and empty segments are dropped; `\` separates segments like `/`, so a name
 * written for Windows cannot smuggle a `..` past a POSIX check.
 */
export function relativeSegments(path: string): string[] | undefined {
  if (path.length === 0 || path.includes('\0') || isAbsolute(path) || win32.isAbsolute(path) || DRIVE.test(path)) return undefined;
  const parts = path.split(/[\\/]/);
  if (parts.includes('..')) return undefined;
  const segments = parts.filter((part) => part !== '' && part !== '.');
  return segments.length === 0 ? undefined : segments;
}

/** True when `path` names something strictly below the directory it is resolved against (see `relativeSegments`). */
export function isInsideRelativePath(path: string): boolean {
  return relativeSegments(path) !== undefined;
}

/** `relativeSegments(path)`, or `INVALID_OPTIONS` naming what was wrong with it. */
export function requireRelativeSegments(path: string, what = 'path'): string[] {
  const segments = relativeSegments(path);
  if (segments !== undefined) return segments;
  const message = `${what} must be a relative path below its directory (no absolute path, no \`..\`, no NUL)`;
  throw new StoreError('INVALID_OPTIONS', `${message}: ${JSON.stringify(path)}`, { issues: [{ path: [what], message }] });
}
