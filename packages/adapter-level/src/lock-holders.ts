import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Other processes holding LevelDB's POSIX lock on `location/LOCK` (LevelDB keeps it while the
 * location is open), read from `/proc/locks`: Linux only, elsewhere none are known. Lets a read-only
 * open refuse a location a writer has open instead of copying files that are changing.
 */
export function lockHolders(location: string): number[] {
  if (process.platform !== 'linux') return [];
  let st: { dev: bigint; ino: bigint };
  let table: string;
  try {
    st = statSync(join(location, 'LOCK'), { bigint: true });
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  // glibc's dev_t encoding; /proc/locks prints major:minor in hex, then the inode.
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
  const pids = new Set<number>();
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const at = fields.indexOf(id);
    if (at < 1) continue;
    const pid = Number(fields[at - 1]);
    if (Number.isSafeInteger(pid) && pid !== process.pid) pids.add(pid);
  }
  return [...pids];
}
