import { join } from 'node:path';
import { fileLockHolders } from '@agentstore/core/spi';

/**
 * Other processes holding LevelDB's POSIX lock on `location/LOCK` (LevelDB keeps it while the
 * location is open): Linux only, elsewhere none are known. Lets a read-only open refuse a location a
 * writer has open instead of copying files that are changing.
 */
export function lockHolders(location: string): number[] {
  return fileLockHolders(join(location, 'LOCK'));
}
