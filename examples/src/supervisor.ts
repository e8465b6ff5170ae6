import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const AGENT_SCRIPT = fileURLToPath(new URL('./agent-process.ts', import.meta.url));
/** The examples package: `tsx` and the workspace packages resolve from here. */
const PACKAGE_DIR = dirname(dirname(AGENT_SCRIPT));

const STEP_LINE = /^step\s+(\d+)\/\d+ /;
const RESUME_LINE = /^resumed from step (\d+), checkpoint (\S+)/;
const CONTINUE_LINE = /^LangGraph continues after superstep (-?\d+) with: (.*?) \(/;

/** What one agent process did, as seen from its output. */
export interface AttemptReport {
  readonly pid: number;
  /** Steps whose completion the process printed, in order. */
  readonly stepsPrinted: readonly number[];
  /** The step it resumed after (0: started fresh) and the checkpoint it resumed from. */
  readonly resumedFrom: number;
  readonly resumedCheckpoint: string | undefined;
  /** The superstep of that checkpoint and the node(s) LangGraph ran next from it. */
  readonly resumedSuperstep: number | undefined;
  readonly resumedNext: string | undefined;
  /** How it ended. */
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
}

/** What {@link runWithCrash} reports. */
export interface CrashRunReport {
  /** The attempt killed with SIGKILL. */
  readonly killed: AttemptReport;
  /** The attempt restarted with the same run id (the same LangGraph `thread_id`), run to the end. */
  readonly resumed: AttemptReport;
}

/** Options of {@link runWithCrash}. */
export interface CrashRunOptions {
  readonly dataDir: string;
  readonly runId: string;
  /** The first process is killed as soon as it has printed this many steps. */
  readonly killAfterSteps: number;
  /** How long after that step's line the kill is sent (0: at once); half a step lands inside the next step. */
  readonly killDelayMs?: number;
  /** Simulated tool latency per step (ms). */
  readonly delayMs: number;
  /** Every line an agent process prints, with its attempt number (1 or 2). */
  readonly onLine?: (attempt: 1 | 2, line: string) => void;
  /** Runs after the killed process is gone and before the restart (e.g. to look at what it left). */
  readonly betweenAttempts?: () => Promise<void>;
  /** Called when an attempt starts and when the first is killed. */
  readonly onEvent?: (
    event: { type: 'start'; attempt: 1 | 2; pid: number } | { type: 'kill'; pid: number; afterSteps: number; delayMs: number },
  ) => void;
}

function spawnAgent(dataDir: string, runId: string, delayMs: number): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', AGENT_SCRIPT, dataDir, runId, String(delayMs)], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs one agent process to its end; `killAfter` steps printed (and `killDelayMs` later) → SIGKILL. */
async function attempt(options: CrashRunOptions, n: 1 | 2, killAfter: number | undefined): Promise<AttemptReport> {
  const child = spawnAgent(options.dataDir, options.runId, options.delayMs);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the agent process');
  options.onEvent?.({ type: 'start', attempt: n, pid });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  const stepsPrinted: number[] = [];
  let resumedFrom = 0;
  let resumedCheckpoint: string | undefined;
  let resumedSuperstep: number | undefined;
  let resumedNext: string | undefined;
  let killScheduled = false;
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    options.onEvent?.({ type: 'kill', pid, afterSteps: stepsPrinted.length, delayMs: options.killDelayMs ?? 0 });
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    options.onLine?.(n, line);
    const resume = RESUME_LINE.exec(line);
    if (resume) {
      resumedFrom = Number(resume[1]);
      resumedCheckpoint = resume[2];
    }
    const cont = CONTINUE_LINE.exec(line);
    if (cont) {
      resumedSuperstep = Number(cont[1]);
      resumedNext = cont[2];
    }
    const step = STEP_LINE.exec(line);
    if (step) stepsPrinted.push(Number(step[1]));
    if (!killScheduled && killAfter !== undefined && stepsPrinted.length >= killAfter) {
      killScheduled = true;
      if ((options.killDelayMs ?? 0) > 0) setTimeout(kill, options.killDelayMs);
      else kill();
    }
  }
  const [code, signal] = await exited;
  const report: AttemptReport = {
    pid,
    stepsPrinted,
    resumedFrom,
    resumedCheckpoint,
    resumedSuperstep,
    resumedNext,
    exit: { code, signal },
  };
  if (killAfter !== undefined && signal !== 'SIGKILL') {
    throw new Error(`agent process ${pid} ended (code ${code}) before it could be killed after ${killAfter} steps:\n${stderr.join('')}`);
  }
  if (killAfter === undefined && code !== 0) {
    throw new Error(`agent process ${pid} failed (code ${code}, signal ${signal}):\n${stderr.join('')}`);
  }
  return report;
}

/**
 * Starts the agent in a child process, kills it with SIGKILL `killDelayMs` after it has printed
 * `killAfterSteps` steps, restarts it with the same run id (thread id) and waits for it to finish.
 */
export async function runWithCrash(options: CrashRunOptions): Promise<CrashRunReport> {
  const killed = await attempt(options, 1, options.killAfterSteps);
  await options.betweenAttempts?.();
  const resumed = await attempt(options, 2, undefined);
  return { killed, resumed };
}
