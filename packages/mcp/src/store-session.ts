import type { Store } from '@agentstore/core';

/** Opens the store a tool call runs against (the CLI passes one built from its config). */
export type OpenStore = () => Promise<Store>;

/**
 * Runs each tool call against a store opened for that call and closed after it, one call at a time.
 * The server may stay up for hours beside the application: holding the store open would hold the
 * LevelDB location's lock (one process only) and keep buffered state of its own, so it holds nothing
 * between calls. Calls are serialized so two of them never open the same location at once.
 */
export class StoreSession {
  readonly #open: OpenStore;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(open: OpenStore) {
    this.#open = open;
  }

  /** Opens the store, runs `fn`, closes the store (also when `fn` fails). */
  run<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    const next = this.#tail.then(async () => {
      const store = await this.#open();
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every call started so far has finished (and closed its store). */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
