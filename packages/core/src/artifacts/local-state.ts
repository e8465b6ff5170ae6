import { EventEmitter } from 'node:events';

/**
 * Per-process state of one artifacts domain (shared by every handle of a store): a bounded cache of
 * `ram`-tier blob bytes and the events that wake `getOrWait` callers. The cache is keyed by blob id;
 * a blob id names immutable bytes and is never reused, so an entry can go stale (its blob replaced
 * in another process) but never wrong.
 */
export class ArtifactsLocal {
  /** Emits the key when a blob is stored or a reservation ends in this process. */
  readonly events = new EventEmitter();
  readonly #cache = new Map<number, Uint8Array>();
  #cacheBytes = 0;
  #limit = 0;

  constructor() {
    this.events.setMaxListeners(0);
  }

  /** Raises the cache limit to at least `bytes` (handles may ask for different sizes; the largest wins). */
  allow(bytes: number): void {
    this.#limit = Math.max(this.#limit, bytes);
  }

  /** A copy of the cached bytes of `blob`, if cached. */
  read(blob: number): Uint8Array | undefined {
    const bytes = this.#cache.get(blob);
    if (bytes === undefined) return undefined;
    this.#cache.delete(blob);
    this.#cache.set(blob, bytes); // most recently used last
    return bytes.slice();
  }

  /** Caches `bytes` (owned by the cache from now on) as blob `blob`, evicting the oldest to fit. */
  keep(blob: number, bytes: Uint8Array): void {
    if (bytes.byteLength > this.#limit || this.#cache.has(blob)) return;
    this.#cache.set(blob, bytes);
    this.#cacheBytes += bytes.byteLength;
    for (const [id, b] of this.#cache) {
      if (this.#cacheBytes <= this.#limit) break;
      this.#cache.delete(id);
      this.#cacheBytes -= b.byteLength;
    }
  }

  /** Drops `blob` from the cache. */
  drop(blob: number): void {
    const bytes = this.#cache.get(blob);
    if (bytes === undefined) return;
    this.#cache.delete(blob);
    this.#cacheBytes -= bytes.byteLength;
  }

  /** Wakes the `getOrWait` callers of `key`. */
  notify(key: string): void {
    this.events.emit('change', key);
  }

  /** Resolves on the next `notify(key)` or after `ms`, whichever comes first. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.events.off('change', onChange);
        resolve();
      };
      const onChange = (changed: string): void => {
        if (changed === key) done();
      };
      const timer = setTimeout(done, ms);
      this.events.on('change', onChange);
    });
  }

  /** Drops everything (the store is closing). */
  stop(): void {
    this.#cache.clear();
    this.#cacheBytes = 0;
  }
}
