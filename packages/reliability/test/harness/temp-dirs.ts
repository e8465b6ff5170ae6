import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fresh directories under `os.tmpdir()`, removed by `removeAll` (call it in `afterEach`). */
export class TempDirs {
  readonly #dirs: string[] = [];

  /** Creates a new empty directory whose name starts with `agentstore-rel-<label>-`. */
  make(label: string): string {
    const dir = mkdtempSync(join(tmpdir(), `agentstore-rel-${label}-`));
    this.#dirs.push(dir);
    return dir;
  }

  /** Removes every directory made so far. */
  removeAll(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
