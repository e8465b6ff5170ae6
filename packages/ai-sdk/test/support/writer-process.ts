import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture (default: stream-writer) in its own process; `line()` is its next stdout line. */
export class WriterProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(args: readonly string[], script = 'stream-writer.ts') {
    this.child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(fixtures, script), ...args]);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** The next line the process prints; rejects if it exits first. */
  async line(): Promise<string> {
    const next = await this.#lines.next();
    if (next.done) throw new Error(`the fixture exited: ${this.#stderr}`);
    return next.value;
  }

  /** Kills the process if it still runs. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Every chunk of `stream`. */
export async function readAll(stream: ReadableStream<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<string>) out.push(chunk);
  return out;
}
