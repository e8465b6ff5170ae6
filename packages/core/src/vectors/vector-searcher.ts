import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonEqual } from '../checkpoints/validate-input.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { Flushable } from '../runtime/store-context.js';
import type { Json } from '../types.js';
import { GraphBuild } from './hnsw-build.js';
import { HnswCache } from './hnsw-cache.js';
import { HnswIndex } from './hnsw-index.js';
import { loadNative, type NativeModule, nativeConfig, nativeEntry, nativeStatus } from './native-hnsw.js';
import type { VectorIndexInfo } from './types.js';
import type { SetListener, VectorIndex } from './vector-index.js';
import type { Scored, VectorSet } from './vector-set.js';
import type { VectorsHead } from './vectors-layout.js';

/**
 * Graphs of at most this many vector components (entries × dims) are built on the event loop, in
 * milliseconds: less than starting a worker costs. Larger ones are built in a worker thread.
 */
const INLINE_COMPONENTS = 1 << 16;

/** Scratch directories of this process, removed when it exits without closing its stores. */
const scratchDirs = new Set<string>();
let exitHooked = false;

function removeScratchAtExit(dir: string): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const d of scratchDirs) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {}
      }
    });
  }
  scratchDirs.add(dir);
}

/** Seqs as native labels (a plain loop: `BigUint64Array.from(seqs, BigInt)` is ten times slower). */
function toLabels(seqs: readonly number[]): BigUint64Array {
  const labels = new BigUint64Array(seqs.length);
  for (let i = 0; i < seqs.length; i++) labels[i] = BigInt(seqs[i] as number);
  return labels;
}

/** A build in a worker, and what the graph it saves will reflect. */
interface PendingBuild {
  readonly run: GraphBuild;
  readonly epoch: string;
  /** The set's version when the rows were taken: later writes are queued on the new graph. */
  readonly version: number;
  readonly cache: HnswCache;
  /** The mapped graph it merges (its file is the base), or undefined for a build from nothing. */
  readonly base: HnswIndex | undefined;
  /** The labels it adds, and those it removes from the base. */
  readonly added: readonly number[];
  readonly removed: ReadonlySet<number>;
}

/**
 * Answers searches over a domain's in-memory copy: exactly at or below `threshold` entries (or
 * without the native library), else through the approximate index, which it builds on first need,
 * keeps current by following the copy's changes, and saves under dataDir (when the adapter is
 * persistent) so the next process maps it instead of building it. A large graph is built, and later
 * merged with the writes queued beside it, in a worker thread: meanwhile searches go on, exactly (no
 * graph yet) or through the graph in use plus the queued writes, and the new graph replaces it, with
 * the writes made since its rows were taken queued on it, in one step of the event loop.
 */
export class VectorSearcher implements SetListener, Flushable {
  readonly #index: VectorIndex;
  readonly #cache: HnswCache | undefined;
  #hnsw: HnswIndex | undefined;
  #epoch: string | undefined;
  /** Parsed metadata per seq, for filters. */
  readonly #parsed = new Map<number, Record<string, Json> | undefined>();
  #nativeMissing = false;
  #build: PendingBuild | undefined;
  /** Every build whose worker has not exited yet (one that saved its graph is still ending). */
  readonly #workers = new Set<GraphBuild>();
  /** A build from nothing failed: searches stay exact in this process (a warning said why). */
  #buildFailed = false;
  /** A merge failed: the next one builds from nothing. */
  #mergeFailed = false;
  /** Where graphs go when there is no cache directory (memory adapter, read-only store): removed at stop. */
  #scratch: { dir: string; cache: HnswCache } | undefined;
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(index: VectorIndex, cacheBase: string | undefined) {
    this.#index = index;
    this.#cache = cacheBase === undefined ? undefined : new HnswCache(cacheBase);
    index.listen(this);
  }

  /** The cache file base of a domain's approximate index: under dataDir, named by route and domain. */
  static cacheBase(dataDir: string, d: OpenDomain): string {
    const id = createHash('sha256')
      .update(JSON.stringify([d.route.adapter, d.route.options, d.domain]))
      .digest('hex')
      .slice(0, 24);
    return join(dataDir, '.vector-index', `${d.domain}-${id}`);
  }

  /** The native library's state in this process. */
  static nativeStatus(): string {
    return nativeStatus();
  }

  /** The set searched (current as of the last refresh). */
  get set(): VectorSet {
    return this.#index.set as VectorSet;
  }

  reloaded(_set: VectorSet, head: VectorsHead): void {
    this.#cancelBuild();
    this.#hnsw = undefined;
    this.#epoch = head.epoch;
    this.#parsed.clear();
  }

  upserted(set: VectorSet, slot: number, replaced: number | undefined): void {
    this.#hnsw?.upserted(set, slot, set.seqAt(slot), replaced);
    if (replaced !== undefined) this.#parsed.delete(replaced);
  }

  deleted(seq: number): void {
    this.#hnsw?.deleted(seq);
    this.#parsed.delete(seq);
  }

  /**
   * Gets the approximate index ready when the set is above `threshold` entries (after a refresh):
   * maps the saved graph, or builds one (in a worker when large: this call does not wait for it), and
   * merges a mapped graph with the writes queued beside it once they are many.
   */
  async prepare(threshold: number): Promise<void> {
    const set = this.set;
    if (set.size <= threshold || this.#nativeMissing || this.#stopped) return;
    const native = await loadNative();
    if (native === undefined) {
      this.#nativeMissing = true;
      return;
    }
    if (this.#build !== undefined || this.#stopped) return; // searches use what there is until it is done
    if (this.#hnsw === undefined) {
      const epoch = this.#epoch as string;
      const saved = this.#cache?.find(epoch, this.#index.version);
      if (saved) {
        try {
          this.#hnsw = HnswIndex.view(native, saved.file, saved.version, set);
        } catch {
          this.#hnsw = undefined; // a damaged or foreign file: build instead
        }
      }
    }
    const hnsw = this.#hnsw;
    if (hnsw === undefined) {
      if (this.#buildFailed) return;
      if (set.size * set.dims > INLINE_COMPONENTS) {
        this.#startBuild(native, undefined);
        return;
      }
      this.#hnsw = HnswIndex.build(native, set);
      this.#save();
    } else if (hnsw.full) {
      if (set.size * set.dims <= INLINE_COMPONENTS) hnsw.loadForWriting(set);
      else {
        const merge = !this.#mergeFailed && !hnsw.staleHeavy && hnsw.file !== undefined && existsSync(hnsw.file);
        this.#startBuild(native, merge ? hnsw : undefined);
      }
    }
  }

  /** Starts a worker building the graph of the set (from nothing), or merging `base` with its queued writes. */
  #startBuild(native: NativeModule, base: HnswIndex | undefined): void {
    const set = this.set;
    const { dims, metric } = set;
    const epoch = this.#epoch as string;
    const version = this.#index.version;
    let added: number[];
    let rows: Float32Array;
    let removed: number[] = [];
    if (base === undefined) {
      added = Array.from({ length: set.size }, (_, slot) => set.seqAt(slot));
      rows = set.rows().slice();
    } else {
      added = base.queued(); // live: a replaced or deleted one leaves the queue
      rows = new Float32Array(added.length * dims);
      added.forEach((seq, i) => {
        rows.set(set.vectorAt(set.slotOfSeq(seq) as number), i * dims);
      });
      removed = base.forgotten();
    }
    const cache = this.#cache ?? this.#scratchCache();
    const run = new GraphBuild({
      module: nativeEntry(),
      config: nativeConfig(dims, metric),
      base: base?.file,
      // The queued ones too: a mapped graph may hold labels above its version (see HnswIndex.view).
      remove: toLabels(base ? [...removed, ...added] : removed),
      labels: toLabels(added),
      rows,
      out: cache.temporary(epoch, version),
    });
    this.#workers.add(run);
    void run.exited.then(() => this.#workers.delete(run));
    const build: PendingBuild = { run, epoch, version, cache, base, added, removed: new Set(removed) };
    this.#build = build;
    run.done.then(
      () => this.#finish(native, build),
      (err: unknown) => this.#failed(build, err),
    );
  }

  /** Swaps the built graph in, with every write made since its rows were taken queued on it. */
  #finish(native: NativeModule, build: PendingBuild): void {
    const set = this.#index.set;
    // Cancelled after it saved (a reload or a stop), or the domain changed epoch: the file is of no use.
    if (this.#build !== build || set === undefined || build.epoch !== this.#epoch) {
      if (this.#build === build) this.#build = undefined;
      rmSync(build.run.job.out, { force: true });
      return;
    }
    this.#build = undefined;
    let next: HnswIndex | undefined;
    try {
      const file = build.cache.adopt(build.run.job.out, build.epoch, build.version);
      // Labels the new graph holds whose entries are gone: added ones replaced or deleted during the
      // build, and those the base had forgotten that the merge did not remove (forgotten meanwhile).
      const carried = build.base === this.#hnsw && build.base ? build.base.forgotten().filter((seq) => !build.removed.has(seq)) : [];
      next = HnswIndex.view(native, file, build.version, set, [...build.added, ...carried]);
    } catch (err) {
      this.#failed(build, err);
      return;
    }
    if (next === undefined) return;
    this.#hnsw = next;
  }

  #failed(build: PendingBuild, err: unknown): void {
    if (this.#build === build) this.#build = undefined;
    if (build.run.cancelled) return;
    if (build.base !== undefined) {
      this.#mergeFailed = true; // the base file went away or is damaged: the next one starts from nothing
      return;
    }
    this.#buildFailed = true;
    process.emitWarning(
      `agentstore vectors: building the approximate index failed (${(err as Error).message}); this process searches the domain exactly`,
      { code: 'AGENTSTORE_VECTORS_BUILD' },
    );
  }

  #cancelBuild(): void {
    const build = this.#build;
    this.#build = undefined;
    // Waited for by `stop` (through `#workers`), not here: a reload goes on at once.
    void build?.run.cancel();
  }

  #scratchCache(): HnswCache {
    if (this.#scratch === undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'agentstore-vectors-'));
      removeScratchAtExit(dir);
      this.#scratch = { dir, cache: new HnswCache(join(dir, 'graph')) };
    }
    return this.#scratch.cache;
  }

  /** Whether slot `slot`'s metadata holds every field of `filter` with an equal value. */
  matches(slot: number, filter: Readonly<Record<string, Json>>): boolean {
    const set = this.set;
    const seq = set.seqAt(slot);
    let meta = this.#parsed.get(seq);
    if (meta === undefined && !this.#parsed.has(seq)) {
      const text = set.metadataAt(slot);
      meta = text === undefined ? undefined : (JSON.parse(text) as Record<string, Json>);
      this.#parsed.set(seq, meta);
    }
    for (const field of Object.keys(filter)) {
      if (meta === undefined || !Object.hasOwn(meta, field) || !jsonEqual(meta[field], filter[field])) return false;
    }
    return true;
  }

  /** The `k` best slots accepted by `accept`, best first; exact at or below `threshold` entries. */
  search(query: Float32Array, k: number, accept: ((slot: number) => boolean) | undefined, threshold: number): Scored[] {
    const set = this.set;
    if (set.size > threshold && this.#hnsw) {
      const found = this.#hnsw.search(set, query, k, accept);
      if (found) return found;
    }
    return set.exact(query, k, accept);
  }

  /** The search path in use. */
  describe(threshold: number): Pick<VectorIndexInfo, 'mode' | 'native'> {
    const mode = this.set.size <= threshold ? 'exact' : this.#hnsw ? 'hnsw' : this.#build ? 'building' : 'exact-fallback';
    return { mode, native: nativeStatus() };
  }

  /** Saves the approximate index when it changed since it was saved (store `sync` and `close`). */
  async flush(): Promise<void> {
    if (this.#hnsw?.dirty) this.#save();
  }

  /** Cancels a build (the store closes or forgets the domain); `stopped` resolves once its worker is gone. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const scratch = this.#scratch;
    this.#build = undefined;
    this.#stopping = Promise.allSettled([...this.#workers].map((run) => run.cancel())).then(() => {
      // Mapped files stay readable after unlink (POSIX); where removal fails, the OS cleans its temp dir.
      if (scratch === undefined) return;
      scratchDirs.delete(scratch.dir);
      try {
        rmSync(scratch.dir, { recursive: true, force: true });
      } catch {}
    });
  }

  /** Resolves once what `stop` ended is gone (the build worker has exited). */
  stopped(): Promise<void> {
    return this.#stopping ?? Promise.resolve();
  }

  #save(): void {
    const hnsw = this.#hnsw;
    if (!hnsw || !this.#cache || this.#epoch === undefined) return;
    try {
      this.#cache.save(hnsw.native, this.#epoch, this.#index.version);
      hnsw.dirty = false;
    } catch (err) {
      // The cache is an optimisation: a full disk costs a rebuild in the next process, not a failed search.
      process.emitWarning(`agentstore vectors: could not save the approximate index: ${(err as Error).message}`, {
        code: 'AGENTSTORE_VECTORS_CACHE',
      });
    }
  }
}
