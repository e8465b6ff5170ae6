/**
 * Runs async sections one at a time, in call order: the store's writes and the sweep's deletes in
 * one process never interleave between their read and their write.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `section` once every section started before it has settled. */
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(section, section);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
