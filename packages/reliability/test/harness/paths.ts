import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The workspace root: children run with it as cwd so `--import tsx` resolves from the root devDependencies. */
export const REPO_ROOT = join(here, '..', '..', '..', '..');

/** Absolute path of a child script in `test/children/`. */
export function childScript(name: string): string {
  return join(here, '..', 'children', name);
}
