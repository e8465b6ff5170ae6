import {
  type BufferedWrite,
  type ByteRange,
  type Bytes,
  type Durability,
  type EnginePhase,
  type ErrorVerdict,
  MIGRATION_GUARD_KEY,
  type TxEngine,
} from '@agentstore/core/spi';
import { diagnostics } from './diagnostics.js';
import { translateLevelError } from './errors.js';
import { domainPrefix, nativeRange, withPrefix } from './keys.js';
import type { NativeDb, NativeOp } from './native.js';

/** The engine's "domain" of the adapter's own bookkeeping keys: full keys, no prefix added. */
export const RESERVED_KEYS = '';

/** Most entries read per native call while fetching a range. */
const PAGE = 1000;

/**
 * LevelDB as core's `TxEngine`, for one location. LevelDB has no transactions: the location's commit
 * queue is its only writer in the process (the location is locked against other processes), so reads
 * made while a group runs stay valid until its batch is written. A group is one atomic batch (fsync'ed
 * when `strict`); points are read synchronously (`getSync`), ranges fetched and the function replayed.
 * Domains are named by their name (one value per domain, as the queue needs), `RESERVED_KEYS` for the rest.
 */
export class LevelEngine implements TxEngine<string, NativeOp[]> {
  readonly sync = false;
  readonly readsOwnWrites = false;
  readonly #db: NativeDb;
  readonly #prefixes = new Map<string, Buffer>();
  #epoch = 0;
  #guardPuts = 0;

  constructor(db: NativeDb) {
    this.#db = db;
  }

  /**
   * Odd while a batch is being written, and changed again once it is: no other process writes the
   * location (it is locked), so while this stays the same even number, a key read absent is absent.
   */
  get writeEpoch(): number {
    return this.#epoch;
  }

  /**
   * Puts of the migration guard key (in any domain) handed to a batch so far: every put of the
   * location goes through `write`, so while this is unchanged, a guard found absent is still absent.
   */
  get guardPuts(): number {
    return this.#guardPuts;
  }

  async transaction(durability: Durability, body: (batch: NativeOp[]) => Promise<void> | void): Promise<void> {
    const batch: NativeOp[] = [];
    await body(batch);
    await this.commit(batch, durability);
  }

  /**
   * Writes `batch` atomically (fsync'ed when `strict`), moving the write epoch around it; only from
   * the location's queue (a transaction, or exclusive work that read the keys it writes).
   */
  async commit(batch: NativeOp[], durability: Durability): Promise<void> {
    if (batch.length === 0) return;
    this.#epoch++;
    try {
      await writeAll(this.#db, batch, durability === 'strict');
    } finally {
      // Before the group's jobs settle: a read made once a write is acknowledged sees a new epoch.
      this.#epoch++;
    }
    diagnostics.batches++;
  }

  get(_batch: NativeOp[], domain: string, key: Bytes): Bytes | undefined {
    return this.#db.getSync(withPrefix(this.#prefix(domain), key));
  }

  async fetchRange(_batch: NativeOp[], domain: string, range: ByteRange): Promise<Array<[Bytes, Bytes]>> {
    diagnostics.replays++;
    const prefix = this.#prefix(domain);
    const iterator = this.#db.iterator(nativeRange(prefix, range));
    const entries: Array<[Bytes, Bytes]> = [];
    try {
      for (;;) {
        const size = range.limit === undefined ? PAGE : Math.min(PAGE, range.limit - entries.length);
        if (size <= 0) break;
        const page = await iterator.nextv(size);
        if (page.length === 0) break;
        for (const [key, value] of page) entries.push([key.subarray(prefix.length), value]);
      }
    } finally {
      await iterator.close();
    }
    return entries;
  }

  write(batch: NativeOp[], domain: string, writes: readonly BufferedWrite[]): void {
    const prefix = this.#prefix(domain);
    for (const { key, value } of writes) {
      if (value !== undefined && isMigrationGuard(key)) this.#guardPuts++;
      const full = withPrefix(prefix, key);
      batch.push(value === undefined ? { type: 'del', key: full } : { type: 'put', key: full, value });
    }
  }

  classify(_error: unknown, phase: EnginePhase): ErrorVerdict {
    // A failed point read reaches the function like its own error; a failed range fetch fails its job.
    if (phase === 'read' || phase === 'run') return 'job';
    return phase === 'fetch' ? 'evict' : 'fail';
  }

  translate(error: unknown, doing: string): unknown {
    return translateLevelError(error, doing);
  }

  #prefix(domain: string): Buffer {
    let prefix = this.#prefixes.get(domain);
    if (prefix === undefined) {
      prefix = domain === RESERVED_KEYS ? Buffer.alloc(0) : domainPrefix(domain);
      this.#prefixes.set(domain, prefix);
    }
    return prefix;
  }
}

/** Writes a batch atomically, in order; a lone write skips the batch machinery (about half the cost). */
function writeAll(db: NativeDb, writes: NativeOp[], sync: boolean): Promise<void> {
  const [only] = writes;
  if (writes.length === 1 && only !== undefined) {
    return only.type === 'del' ? db.del(only.key, { sync }) : db.put(only.key, only.value, { sync });
  }
  return db.batch(writes, { sync });
}

/** Whether `key` (unprefixed) is the migration guard key core reads before writes. */
export function isMigrationGuard(key: Bytes): boolean {
  if (key.length !== MIGRATION_GUARD_KEY.length) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== MIGRATION_GUARD_KEY[i]) return false;
  return true;
}
