import type { Bytes } from '../backend.js';
import { keyId } from './byte-keys.js';
import type { BufferedWrite } from './tx-engine.js';

/**
 * Writes in call order, with the index by key that reads need built only on the first lookup (and
 * kept up to date after): a function that only writes (`putMany`) pays nothing per write for it.
 */
export class WriteLog {
  readonly #writes: BufferedWrite[] = [];
  #latest: Map<string, BufferedWrite> | undefined;

  /** Number of writes logged (a key written twice counts twice). */
  get size(): number {
    return this.#writes.length;
  }

  /** Logs one write. */
  add(write: BufferedWrite): void {
    this.#writes.push(write);
    this.#latest?.set(keyId(write.key), write);
  }

  /** The latest write of `key`, or undefined when it was not written. */
  find(key: Bytes): BufferedWrite | undefined {
    return this.size === 0 ? undefined : this.latest().get(keyId(key));
  }

  /** The latest write of each key, by key identity. */
  latest(): Map<string, BufferedWrite> {
    if (this.#latest === undefined) {
      this.#latest = new Map();
      for (const write of this.#writes) this.#latest.set(keyId(write.key), write);
    }
    return this.#latest;
  }

  /** The writes to apply: in call order, or one per key once the index exists (same result). */
  toApply(): readonly BufferedWrite[] {
    return this.#latest === undefined || this.#writes.length === 1 ? this.#writes : [...this.#latest.values()];
  }
}
