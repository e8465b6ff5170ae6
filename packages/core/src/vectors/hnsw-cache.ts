import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { NativeIndex } from './native-hnsw.js';

/**
 * Saved approximate indexes of one domain: `<base>-<epoch>-<version>.usearch` beside each other in
 * dataDir's `.vector-index` directory. A file is a cache, never data: it is named by the domain's
 * epoch (a domain dropped and written again gets another) and by the seq it reflects, and whatever
 * was written after that seq is applied on top when it is opened.
 */
export class HnswCache {
  readonly #base: string;

  /** `base`: the path without the epoch, version and extension. */
  constructor(base: string) {
    this.#base = base;
  }

  /** The newest saved file of `epoch` at or below `maxVersion`, or undefined. */
  find(epoch: string, maxVersion: number): { file: string; version: number } | undefined {
    const prefix = `${basename(this.#base)}-${epoch}-`;
    let best: { file: string; version: number } | undefined;
    let names: string[];
    try {
      names = readdirSync(dirname(this.#base));
    } catch {
      return undefined;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.usearch')) continue;
      const version = Number(name.slice(prefix.length, -'.usearch'.length));
      if (!Number.isSafeInteger(version) || version > maxVersion) continue;
      if (!best || version > best.version) best = { file: join(dirname(this.#base), name), version };
    }
    return best;
  }

  /** Saves `native` as version `version` (temporary file, then rename), then removes older files of the domain. */
  save(native: NativeIndex, epoch: string, version: number): void {
    const dir = dirname(this.#base);
    mkdirSync(dir, { recursive: true });
    const name = `${basename(this.#base)}-${epoch}-${version}.usearch`;
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      native.save(tmp);
      renameSync(tmp, join(dir, name));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const own = `${basename(this.#base)}-`;
    for (const other of readdirSync(dir)) {
      if (other === name || !other.startsWith(own) || !other.endsWith('.usearch')) continue;
      const [otherEpoch, otherVersion] = other.slice(own.length, -'.usearch'.length).split('-');
      if (otherEpoch === epoch && Number(otherVersion) > version) continue; // another process saved a newer one
      // Mapped files stay readable after unlink (POSIX); where removal fails, the next save retries.
      try {
        rmSync(join(dir, other), { force: true });
      } catch {}
    }
  }
}
