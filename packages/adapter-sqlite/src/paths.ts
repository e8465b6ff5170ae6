import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StoreError } from '@agentstore/core';

/** Where domains without a `path` option live, relative to dataDir. */
export const DEFAULT_FILE = join('sqlite', 'agentstore.db');

/**
 * The absolute file of a domain: `<dataDir>/sqlite/agentstore.db`, or `path` resolved against
 * dataDir. The options schema already refuses absolute paths and `..`; this checks containment
 * again on the resolved path, since the path reaches the file system.
 */
export function domainFile(dataDir: string, path: string | undefined): string {
  const wanted = path ?? DEFAULT_FILE;
  const root = resolve(dataDir);
  const file = resolve(root, wanted);
  const inside = relative(root, file);
  const escapes = inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside);
  if (isAbsolute(wanted) || wanted.includes('\0') || escapes) {
    throw new StoreError('INVALID_OPTIONS', `sqlite: path ${JSON.stringify(wanted)} must be a file inside dataDir`, {
      issues: [{ path: ['path'], message: 'must be a relative file path inside dataDir' }],
    });
  }
  return file;
}
