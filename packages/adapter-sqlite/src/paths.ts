import { join } from 'node:path';
import type { DataDir } from '@agentstore/core/spi';

/** Where domains without a `path` option live, relative to dataDir. */
export const DEFAULT_FILE = join('sqlite', 'agentstore.db');

/** Files SQLite makes beside a database, which must pass the same checks as the database itself. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

/**
 * The real absolute file of a domain, `<dataDir>/sqlite/agentstore.db` or `path` inside dataDir,
 * through core's path policy: no link or special file between dataDir and the file or its
 * companions (`CORRUPT`), no escape (`INVALID_OPTIONS`). `create` makes the missing directories
 * (for an open that will write); without it nothing is created.
 */
export function domainFile(dataDir: DataDir, path: string | undefined, create: boolean): string {
  const wanted = path ?? DEFAULT_FILE;
  const file = dataDir.resolve(wanted, { kind: 'file', create });
  for (const suffix of COMPANIONS) dataDir.resolve(wanted + suffix, { kind: 'file' });
  return file;
}
