import type { BufferedWrite, ByteRange, Bytes, Durability, EnginePhase, ErrorVerdict, TxEngine } from '@agentstore/core/spi';
import type { RootDatabase } from 'lmdb';
import { toStoreError } from './errors.js';
import { type BinaryDb, lmdbBytes, readRange } from './lmdb-reads.js';
import { withWriteLock } from './write-lock-rescue.js';

/**
 * LMDB as core's `TxEngine`, for one environment: a group is one synchronous write transaction
 * (under the cross-process write lock), each domain a named database. A commit fdatasyncs its data
 * pages but not the meta page (`noMetaSync`), so `strict` adds one environment sync (`durable`),
 * shared by every commit made before it starts; the queue goes on committing meanwhile.
 */
export class LmdbEngine implements TxEngine<BinaryDb, RootDatabase> {
  readonly sync = true;
  readonly readsOwnWrites = true;
  readonly #root: RootDatabase;
  /** Settles when the last requested sync has finished (never rejects). */
  #syncChain: Promise<void> = Promise.resolve();
  /** A sync requested but not started yet; later commits can join it. */
  #waitingSync: Promise<void> | undefined;

  constructor(root: RootDatabase) {
    this.#root = root;
  }

  transaction(_durability: Durability, body: (root: RootDatabase) => void): void {
    // lmdb aborts the transaction when the callback throws, and rethrows.
    withWriteLock(() => this.#root.transactionSync(() => body(this.#root)));
  }

  get(_root: RootDatabase, db: BinaryDb, key: Bytes): Bytes | undefined {
    return db.getBinary(lmdbBytes(key));
  }

  range(_root: RootDatabase, db: BinaryDb, range: ByteRange): Array<[Bytes, Bytes]> {
    return readRange(db, range);
  }

  write(_root: RootDatabase, db: BinaryDb, writes: readonly BufferedWrite[]): void {
    for (const { key, value } of writes) {
      if (value === undefined) db.removeSync(lmdbBytes(key));
      else db.putSync(lmdbBytes(key), lmdbBytes(value));
    }
  }

  durable(): Promise<void> {
    return this.syncAll();
  }

  classify(_error: unknown, phase: EnginePhase): ErrorVerdict {
    // A failed read reaches the function like its own error; a failed write fails its job alone.
    if (phase === 'read') return 'job';
    return phase === 'write' || phase === 'run' ? 'evict' : 'fail';
  }

  translate(error: unknown, doing: string): unknown {
    return toStoreError(error, doing);
  }

  /** Makes every commit so far durable (metadata included), whatever the flags. */
  syncAll(): Promise<void> {
    if (this.#waitingSync) return this.#waitingSync;
    const next = this.#syncChain.then(() => {
      this.#waitingSync = undefined;
      return envSync(this.#root);
    });
    this.#waitingSync = next;
    this.#syncChain = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every sync requested so far has finished. */
  synced(): Promise<void> {
    return this.#syncChain;
  }
}

/** mdb_env_sync(force) on lmdb's worker thread: flushes data and meta pages. */
function envSync(root: RootDatabase): Promise<void> {
  return new Promise((resolve, reject) => {
    (root as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) => (err ? reject(err) : resolve()));
  });
}
