import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What a worker printed before it was killed (or exited), and how it ended. */
export interface WorkerRun {
  readonly lines: string[];
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs `test/fixtures/<fixture>` under tsx with `args`, hands every stdout line to `onLine`, and
 * SIGKILLs the worker `delayMs` after the first line for which `onLine` returns true. A line is
 * printed only after the call it reports on resolved, so every line received is an acknowledgement.
 */
export async function killWorker(
  fixture: string,
  args: readonly string[],
  onLine: (line: string) => boolean,
  delayMs = 0,
): Promise<WorkerRun> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, '..', 'fixtures', fixture), ...args], {
    cwd: join(here, '..', '..', '..', '..'),
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // A worker that never reaches its kill point still ends.
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const lines: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (timer === undefined && onLine(line)) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  }
  const signal = await exited;
  clearTimeout(timer);
  clearTimeout(guard);
  return { lines, signal, stderr };
}
