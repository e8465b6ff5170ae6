import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The package directory: children run from it so `--import tsx` resolves. */
export const CLI_DIR = join(here, '..', '..');
const BIN = join(CLI_DIR, 'src', 'bin.ts');
/**
 * `AGENTSTORE_TEST_DIST=1` (set by the root `test` script, which builds first) runs the built bin as a
 * user runs it, without tsx: about 1 s less per spawn, and these tests spawn the CLI ~100 times.
 */
const FROM_DIST = process.env.AGENTSTORE_TEST_DIST === '1';
const BUILT_BIN = join(CLI_DIR, 'dist', 'bin.js');

/** Node arguments that run the real `agentstore` bin with `args`. */
function binArgs(args: readonly string[]): string[] {
  return FROM_DIST ? [BUILT_BIN, ...args] : tsNode(BIN, args);
}

/** Node arguments that run a TypeScript entry point from source. */
export function tsNode(entry: string, args: readonly string[]): string[] {
  return ['--conditions=source', '--import', 'tsx', entry, ...args];
}

/** The result of one run of the real `agentstore` bin. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `agentstore <args>` as a child process (no TTY, so no progress bars). */
export function cli(args: readonly string[]): Promise<CliResult> {
  const child = spawn(process.execPath, binArgs(args), { cwd: CLI_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Starts `agentstore <args>` as a child process (no TTY), for a test that kills it. */
export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, binArgs(args), { cwd: CLI_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a fixture script as a child process. */
export function startChild(fixture: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, tsNode(join(here, '..', 'fixtures', fixture), args), {
    cwd: CLI_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves once the child printed a line matching `pattern` (on stdout, or on `stream`). */
export function waitForLine(child: ChildProcess, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  const out = child[stream];
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (c: Buffer): void => {
      buffered += c.toString();
      const line = buffered.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        out?.off('data', onData);
        resolve(line);
      }
    };
    out?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before printing ${pattern}`)));
  });
}
