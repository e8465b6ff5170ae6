import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Files whose bytes an engine changes on a read by design (LMDB's reader table): only their presence
 * and size are compared.
 */
const LOCK_FILES = new Set(['lock.mdb']);

/**
 * Every entry below `dir`, one line each (`path dir` or `path size sha256`), sorted: two snapshots
 * are equal when nothing was created, removed or rewritten.
 */
export function fileTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const rel = relative(dir, path);
      if (entry.isDirectory()) {
        out.push(`${rel}/`);
        walk(path);
      } else if (LOCK_FILES.has(entry.name)) {
        out.push(`${rel} ${statSync(path).size}`);
      } else {
        const data = readFileSync(path);
        out.push(`${rel} ${data.length} ${createHash('sha256').update(data).digest('hex').slice(0, 16)}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}
