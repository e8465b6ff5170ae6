import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture process that prints `ready`, waits for `go`, then prints one JSON line and exits. */
export class Worker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  readonly #exit: Promise<void>;

  constructor(script: string, args: readonly string[]) {
    this.#child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(fixtures, script), ...args]);
    let stderr = '';
    this.#child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
    this.#exit = new Promise((resolve, reject) => {
      this.#child.on('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`${script} exited with ${code ?? signal}: ${stderr}`)),
      );
    });
    // Surfaced by `ready`/`result`; this only keeps an early exit from being an unhandled rejection.
    this.#exit.catch(() => {});
  }

  /** Resolves once the process has opened its store. */
  async ready(): Promise<void> {
    const line = await Promise.race([this.#lines.next(), this.#exit.then(() => ({ value: 'exited', done: true }))]);
    if (line.value !== 'ready') await this.#exit.then(() => Promise.reject(new Error(`worker said ${line.value}`)));
  }

  /** Starts the work. */
  go(): void {
    this.#child.stdin.write('go\n');
  }

  /** The JSON line the process printed at the end. */
  async result<T>(): Promise<T> {
    const line = await this.#lines.next();
    await this.#exit;
    return JSON.parse(line.value as string) as T;
  }

  /** Kills the process if it still runs (bounded tests clean up after a failure). */
  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}
