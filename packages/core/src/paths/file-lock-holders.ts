import { readFileSync, statSync } from 'node:fs';

/**
 * Other processes holding a POSIX or flock lock on `file`, read from `/proc/locks` (Linux only;
 * elsewhere, or when the file or the table cannot be read, none are known). Engines keep such a lock
 * while they have their files open (LMDB's `lock.mdb`, LevelDB's `LOCK`), so this tells whether
 * another process has them open without touching them.
 */
export function fileLockHolders(file: string): number[] {
  if (process.platform !== 'linux') return [];
  let st: { dev: bigint; ino: bigint };
  let table: string;
  try {
    st = statSync(file, { bigint: true });
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
    // "1: POSIX  ADVISORY  READ 1234 fe:00:2148145 0 0" (blocked waiters are prefixed "->")
    const fields = line.trim().split(/\s+/);
    const at = fields.indexOf(id);
    if (at < 1) continue;
    const pid = Number(fields[at - 1]);
    if (Number.isSafeInteger(pid) && pid !== process.pid) pids.add(pid);
  }
  return [...pids].sort((a, b) => a - b);
}
