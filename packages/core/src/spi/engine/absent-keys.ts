import type { Bytes } from '../backend.js';
import type { BufferedWrite } from './tx-engine.js';

/** Keys longer than this are never remembered: the meta keys every write reads (the migration guard, the kind record) are a few bytes. */
const MAX_KEY_BYTES = 16;
/** Keys remembered per domain and attempt. */
const MAX_KEYS = 8;

/**
 * Short keys of one domain found absent in an open write transaction of a synchronous engine whose
 * reads see the transaction's writes (SQLite, LMDB). Inside that transaction a key stays absent until
 * the transaction writes it, so the group's later jobs need not read it again: a `fast` batch reads
 * the migration guard once per domain instead of once per queued write. The attempt forgets a key
 * when a job writes it (`written`) and everything when a `run` job works on the transaction directly.
 * Only absences are remembered: a value found is handed to each reader afresh.
 */
export class AbsentKeys {
  readonly #keys: Bytes[] = [];

  /** Whether `key` was found absent (and not written since). */
  has(key: Bytes): boolean {
    if (key.length > MAX_KEY_BYTES) return false;
    for (const known of this.#keys) if (sameBytes(known, key)) return true;
    return false;
  }

  /** Remembers that `key` was read and found absent. */
  add(key: Bytes): void {
    if (key.length > MAX_KEY_BYTES || this.#keys.length >= MAX_KEYS) return;
    // A copy: the caller may reuse its array.
    this.#keys.push(key.slice());
  }

  /** Forgets the keys `writes` wrote (a put makes one present; a delete keeps it absent, but forgetting is always safe). */
  written(writes: readonly BufferedWrite[]): void {
    if (this.#keys.length === 0) return;
    for (const { key } of writes) {
      if (key.length > MAX_KEY_BYTES) continue;
      const at = this.#keys.findIndex((known) => sameBytes(known, key));
      if (at >= 0) this.#keys.splice(at, 1);
    }
  }
}

function sameBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
