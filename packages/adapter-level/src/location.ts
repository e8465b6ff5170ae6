import { CommitQueue, type DataDir } from '@agentstore/core/spi';
import { checkCloseStamp, writeCloseStamp } from './close-stamp.js';
import { diagnostics } from './diagnostics.js';
import { translateLevelError } from './errors.js';
import { LevelEngine } from './level-engine.js';
import { type NativeDb, type NativeOp, type NativeOpenOptions, openNative } from './native.js';
import { DEFAULT_LOCATION } from './options.js';
import { assertLocationIntact, assertRecoveryClean } from './recovery-check.js';

/** A location's commit queue: domains named by name (`RESERVED_KEYS` for the adapter's own keys). */
export type LocationQueue = CommitQueue<string, NativeOp[]>;

/** Most transactions in one batch; bounds the latency of the group's first member. */
const MAX_GROUP = 1024;

/** An open location shared by every store instance of the process. */
interface LocationEntry {
  readonly path: string;
  readonly db: NativeDb;
  readonly queue: LocationQueue;
  readonly engine: LevelEngine;
  refs: number;
}

/** One store instance's hold on a location; the native handle closes when the last lease is released. */
export interface LocationLease {
  /** Real (symlink-free) path of the location. */
  readonly path: string;
  readonly db: NativeDb;
  /** The location's single writer in this process: every write of the location goes through it. */
  readonly queue: LocationQueue;
  /** The queue's engine, for its `writeEpoch`. */
  readonly engine: LevelEngine;
  /** Gives the hold back; idempotent. */
  release(): Promise<void>;
}

interface Registry {
  readonly open: Map<string, Promise<LocationEntry>>;
  readonly closing: Map<string, Promise<void>>;
}

// Process-wide (a global symbol, not module state) so that two copies of this module in one process,
// e.g. the source and the built file, still share handles: a second native open of a location in
// the same process fails and, in LevelDB 1.20, releases the process's lock on it.
const KEY = Symbol.for('agentstore.adapter-level.locations');
const holder = globalThis as { [KEY]?: Registry };
holder[KEY] ??= { open: new Map(), closing: new Map() };
const registry: Registry = holder[KEY];

/**
 * The real path of a domain's location directory (`relativePath` or the default), made when missing,
 * through core's path policy: no link or special file on the way or among LevelDB's files
 * (`CORRUPT`), no escape (`INVALID_OPTIONS`), a plain file in the way is `IO`.
 */
export function prepareLocation(dataDir: DataDir, relativePath: string | undefined): string {
  return dataDir.resolve(relativePath ?? DEFAULT_LOCATION, { kind: 'directory', create: true, checkEntries: true });
}

/** Takes a hold on the location at real path `path`, opening it natively only if no one in the process has. */
export async function acquireLocation(path: string, options: NativeOpenOptions): Promise<LocationLease> {
  for (;;) {
    const closing = registry.closing.get(path);
    if (closing !== undefined) {
      // Reopening before the native close finished would be a second open of a still-open handle.
      await closing.catch(() => {});
      continue;
    }
    let pending = registry.open.get(path);
    if (pending === undefined) {
      const opening = openEntry(path, options);
      pending = opening;
      registry.open.set(path, opening);
      opening.catch(() => {
        if (registry.open.get(path) === opening) registry.open.delete(path);
      });
    }
    const entry = await pending;
    // The last holder may have released it while we waited; then wait for that close and open anew.
    if (registry.open.get(path) !== pending) continue;
    entry.refs++;
    return lease(entry, pending);
  }
}

async function openEntry(path: string, options: NativeOpenOptions): Promise<LocationEntry> {
  diagnostics.nativeOpens++;
  let db: NativeDb | undefined;
  try {
    assertLocationIntact(path);
    checkCloseStamp(path);
    db = await openNative(path, options);
    assertRecoveryClean(path);
    // A microtask, not a macrotask: every transaction issued in the current synchronous run joins the
    // first group without adding a timer's latency to a lone write.
    const engine = new LevelEngine(db);
    const queue = new CommitQueue(engine, {
      schedule: 'microtask',
      maxGroup: MAX_GROUP,
      onCommit: (jobs) => {
        diagnostics.transactions += jobs;
      },
    });
    return { path, db, queue, engine, refs: 0 };
  } catch (error) {
    await db?.close().catch(() => {});
    throw translateLevelError(error, `level: opening ${path}`);
  }
}

function lease(entry: LocationEntry, pending: Promise<LocationEntry>): LocationLease {
  let released = false;
  return {
    path: entry.path,
    db: entry.db,
    queue: entry.queue,
    engine: entry.engine,
    async release() {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      if (registry.open.get(entry.path) === pending) registry.open.delete(entry.path);
      const closing = (async () => {
        await entry.queue.whenIdle();
        try {
          await entry.db.close();
        } catch (error) {
          throw translateLevelError(error, `level: closing ${entry.path}`);
        }
        try {
          writeCloseStamp(entry.path);
        } catch {
          // No stamp (a read-only medium, say): the next open just has nothing to compare.
        }
      })();
      registry.closing.set(entry.path, closing);
      try {
        await closing;
      } finally {
        if (registry.closing.get(entry.path) === closing) registry.closing.delete(entry.path);
      }
    },
  };
}
