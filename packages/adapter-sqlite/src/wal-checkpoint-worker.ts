import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits after which a busy connection hands its checkpoints to a worker thread. */
export const WAL_WORKER_AFTER_COMMITS = 256;

// Slots of the shared state: commits since the last checkpoint, and the stop flag.
const COMMITS = 0;
const STOP = 1;

/**
 * The worker: its own connection to the file, running `wal_checkpoint(PASSIVE)` once 1,000 commits
 * have piled up or 100 ms after the first one. PASSIVE never takes the write lock, so commits go on
 * while it copies pages and fsyncs; a checkpoint another connection is running makes it skip a turn.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const state = new Int32Array(workerData.state);
// A short busy timeout: a checkpoint that would wait for another one is skipped, not queued.
const db = new Database(workerData.file, { timeout: 100 });
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.postMessage('ready');
let last = Date.now();
while (Atomics.load(state, ${STOP}) === 0) {
  Atomics.wait(state, ${STOP}, 0, 5);
  const commits = Atomics.load(state, ${COMMITS});
  if (commits === 0 || (commits < 1000 && Date.now() - last < 100)) continue;
  Atomics.sub(state, ${COMMITS}, commits);
  try { checkpoint.run(); } catch {}
  last = Date.now();
}
db.close();
`;

/**
 * Runs a file's WAL checkpoints in a worker thread, so that no commit on the event loop pays for
 * copying pages and two fsyncs (SQLite's automatic checkpoint runs inside the commit that crosses
 * 1,000 WAL pages, a pause of milliseconds). Until the worker reports ready, and again if it fails,
 * the connection keeps SQLite's automatic checkpoints.
 */
export class WalCheckpointWorker {
  readonly #state = new Int32Array(new SharedArrayBuffer(8));
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  /** `onReady`: the worker is checkpointing; `onFailed`: it stopped without being asked to. */
  constructor(file: string, onReady: () => void, onFailed: () => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, state: this.#state.buffer } });
    this.#worker.unref();
    this.#worker.once('message', onReady);
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        if (Atomics.load(this.#state, STOP) === 0) onFailed();
        resolve();
      });
    });
    // An error (the driver failing to load, the file vanishing) ends the worker: 'exit' follows.
    this.#worker.on('error', () => {});
  }

  /** Counts one commit of the connection. */
  committed(): void {
    Atomics.add(this.#state, COMMITS, 1);
  }

  /** Stops the worker and waits until its connection is closed. */
  async stop(): Promise<void> {
    // Referenced again, so the process stays up until the worker's connection is closed.
    this.#worker.ref();
    Atomics.store(this.#state, STOP, 1);
    Atomics.notify(this.#state, STOP);
    await this.#exited;
  }
}
