import type { Version } from './layout.js';

/** Threads (with namespace) whose stored channel versions are remembered; the oldest is forgotten first. */
const MAX_NAMESPACES = 10_000;

/** A channel's version this process stored, and whether a value was stored with it (false: the channel was empty). */
interface Stored {
  readonly version: Version;
  readonly present: boolean;
}

/**
 * The channel versions this saver stored per (thread, namespace). LangGraph's `put` receives every
 * channel's current value but only says which changed; a value counts as stored only if a `put` was
 * told so (what `getTuple` returns must match). When this process stored a channel's current version
 * itself, the next record can carry the unchanged value too, and reading that record needs no other
 * read. Forgetting is always safe: a channel not remembered is read from its value entry.
 */
export class StoredChannels {
  readonly #byNamespace = new Map<string, Map<string, Stored>>();

  /** What is remembered of (thread, ns), most recently used last. */
  of(thread: string, ns: string): Map<string, Stored> | undefined {
    const key = slot(thread, ns);
    const known = this.#byNamespace.get(key);
    if (known !== undefined) {
      this.#byNamespace.delete(key);
      this.#byNamespace.set(key, known);
    }
    return known;
  }

  /** Records what a committed `put` stored in (thread, ns). */
  remember(thread: string, ns: string, stored: Map<string, Stored>): void {
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
