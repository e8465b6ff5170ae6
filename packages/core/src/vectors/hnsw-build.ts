import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { NativeConfig } from './native-hnsw.js';

/** Rows added per native call: between two calls the worker can be terminated (a native call cannot be interrupted). */
const BATCH = 512;

/**
 * The worker: loads the library by path (an installed package resolves it from its own dist, and no
 * script file has to ship beside it), starts from `base` when given (a saved graph), removes the labels
 * of `remove` (stale, or about to be added again), adds the rows in batches on every core, and saves
 * to `out`. Inline source, as the sqlite adapter's checkpoint worker: nothing to resolve from dist.
 */
const WORKER_SOURCE = `
const { workerData: job, parentPort } = require('node:worker_threads');
const mod = require(job.module);
const Index = mod.Index || (mod.default && mod.default.Index);
const index = new Index(job.config);
if (job.base !== undefined) index.load(job.base);
if (job.remove.length > 0) index.remove(job.remove);
const dims = job.config.dimensions;
for (let from = 0; from < job.labels.length; from += ${BATCH}) {
  const to = Math.min(from + ${BATCH}, job.labels.length);
  index.add(job.labels.subarray(from, to), job.rows.subarray(from * dims, to * dims), 0);
}
index.save(job.out);
parentPort.postMessage('saved');
`;

/** What a build worker is asked to do. */
export interface BuildJob {
  /** The library's entry file (`nativeEntry()`). */
  readonly module: string;
  readonly config: NativeConfig;
  /** A saved graph to start from; undefined builds from nothing. */
  readonly base: string | undefined;
  /** Labels removed from `base` first. */
  readonly remove: BigUint64Array;
  /** The labels added, one per row of `rows`. */
  readonly labels: BigUint64Array;
  /** The rows added (moved to the worker: the caller must hold no other view of their buffer). */
  readonly rows: Float32Array;
  /** Where the graph is saved (a temporary name the caller renames when the build succeeds). */
  readonly out: string;
}

let running = 0;

/** Build workers alive in this process (tests check that `close()` leaves none). */
export function runningBuilds(): number {
  return running;
}

/**
 * One HNSW build in a worker thread, so that the event loop goes on serving while the graph is
 * built (about 100 s for 100,000 × 384 on two cores). `done` resolves once the graph is saved to
 * `job.out`, and rejects when the worker fails or is cancelled; `cancel` ends the worker (within one
 * batch) and removes a half-written file.
 */
export class GraphBuild {
  readonly job: BuildJob;
  /** Resolves once `job.out` holds the graph. */
  readonly done: Promise<void>;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  /** Resolves once the worker thread is gone (it ends by itself after saving, or when cancelled). */
  get exited(): Promise<void> {
    return this.#exited;
  }

  #cancelled = false;

  constructor(job: BuildJob) {
    this.job = job;
    running++;
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: job,
      // The rows are moved, not copied (the caller made them for this build); the labels are copied,
      // the caller needs them when the graph arrives.
      transferList: [job.rows.buffer as ArrayBuffer],
    });
    let saved = false;
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        running--;
        resolve();
      });
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.#worker.once('message', () => {
        saved = true;
        resolve();
      });
      this.#worker.once('error', reject);
      void this.#exited.then(() => {
        if (!saved) {
          rmSync(job.out, { force: true });
          reject(new Error(this.#cancelled ? 'the build was cancelled' : 'the build worker stopped without saving'));
        }
      });
    });
    // Callers that stop waiting (a reload, a close) must not leave an unhandled rejection behind.
    this.done.catch(() => undefined);
    // A build never keeps a process alive: exiting abandons it, and the next process builds again.
    // After the listeners: adding one refs the worker again.
    this.#worker.unref();
  }

  /** Whether `cancel` was called. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Ends the worker and waits until its thread is gone (at most one batch of native work). */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    await this.#worker.terminate();
    await this.#exited;
  }
}
