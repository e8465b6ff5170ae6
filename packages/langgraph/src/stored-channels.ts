import type { Version } from './layout.js';

/** Threads (with namespace) whose stored channel versions are remembered; the oldest is forgotten first. */
const MAX_NAMESPACES = 10_000;

/** How a checkpoint stored a channel at a version. */
export interface StoredChannel {
  readonly version: Version;
  /** False: the channel was empty at that version. */
  readonly present: boolean;
  /** True: the value is carried in the record; false: it is a value entry of its own. */
  readonly carried: boolean;
}

/**
 * How this saver stored each channel's latest version, per (thread, namespace). LangGraph's `put`
 * receives every channel's current value but only says which changed; a value counts as stored only
 * if a `put` was told so (what `getTuple` returns must match), and a small one lives only in the
 * records that carry it. Remembering it saves the next `put` reading its parent record to find out.
 * Forgetting is always safe: the parent record says the same.
 */
export class StoredChannels {
  readonly #byNamespace = new Map<string, Map<string, StoredChannel>>();

  /** What is remembered of (thread, ns), most recently used last. */
  of(thread: string, ns: string): Map<string, StoredChannel> | undefined {
    const key = slot(thread, ns);
    const known = this.#byNamespace.get(key);
    if (known !== undefined) {
      this.#byNamespace.delete(key);
      this.#byNamespace.set(key, known);
    }
    return known;
  }

  /** Records what a committed `put` stored in (thread, ns). */
  remember(thread: string, ns: string, stored: Map<string, StoredChannel>): void {
    const key = slot(thread, ns);
    this.#byNamespace.delete(key);
    this.#byNamespace.set(key, stored);
    if (this.#byNamespace.size > MAX_NAMESPACES) {
      const oldest = this.#byNamespace.keys().next().value;
      if (oldest !== undefined) this.#byNamespace.delete(oldest);
    }
  }

  /** Forgets every namespace of `thread` (deleted, pruned or expired: its value entries may be gone). */
  forget(thread: string): void {
    const prefix = `${thread.length}:${thread}`;
    for (const key of this.#byNamespace.keys())
      if (key.startsWith(prefix) && key.charCodeAt(prefix.length) === 0) this.#byNamespace.delete(key);
  }
}

function slot(thread: string, ns: string): string {
  return `${thread.length}:${thread}\u0000${ns}`;
}
