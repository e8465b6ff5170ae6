import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { childCommand } from './child-command.js';
import { REPO_ROOT } from './paths.js';
import { decodeLine, type ErrorMessage, encodeLine, type Message } from './protocol.js';
import { ownWakeups } from './wakeups.js';

/** How a child ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Waiter {
  readonly match: (message: Message) => boolean;
  readonly resolve: (message: Message) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Every child spawned and not yet reaped, so `killAllChildren` can leave no orphan behind. */
const live = new Set<ChildHandle>();

const STDERR_TAIL = 8_192;

/** LMDB write-lock wake-ups reported by every child of this process so far. */
let childWakeups = 0;

/** LMDB write-lock rescue wake-ups the children of this process reported (before they died or exited). */
export function childWriteLockWakeups(): number {
  return childWakeups;
}

/** LMDB write-lock rescue wake-ups in this process and the children it spawned. */
export function writeLockWakeups(): number {
  return childWakeups + ownWakeups();
}

/**
 * A child Node process running one script of `test/children/` (bundled from the TypeScript sources,
 * see `child-command.ts`), speaking the JSON line protocol on stdin/stdout.
 */
export class ChildHandle {
  readonly name: string;
  readonly process: ChildProcessWithoutNullStreams;
  /** Every complete line received, in order; a line cut short by a kill is never here. */
  readonly messages: Message[] = [];
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | undefined;
  #partial = '';
  #stderr = '';
  readonly #taken: boolean[] = [];
  readonly #waiters: Waiter[] = [];
  #wakeups = 0;

  constructor(name: string, script: string, params: unknown, env: Record<string, string> = {}, nodeArgs: readonly string[] = []) {
    this.name = name;
    this.process = spawn(process.execPath, [...childCommand(script, nodeArgs), JSON.stringify(params)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this);
    // For the README's figures: AGENTSTORE_REL_SPAWN_LOG names a file that gets one line per child.
    const spawnLog = process.env.AGENTSTORE_REL_SPAWN_LOG;
    if (spawnLog) appendFileSync(spawnLog, `${name}\n`);
    this.process.stdin.on('error', () => {}); // EPIPE after the child died: the exit handler reports it
    this.process.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#onStdout(chunk));
    this.process.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL);
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.process.on('close', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(this.#failure('exited while waited on'));
        }
        resolve(this.#exit);
      });
    });
  }

  /** The exit status, once exited. */
  get exit(): ExitInfo | undefined {
    return this.#exit;
  }

  /** The last 8 KiB of stderr. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Messages of type `t` received so far (taken or not). */
  all<M extends Message = Message>(t: string): M[] {
    return this.messages.filter((m) => m.t === t) as M[];
  }

  /**
   * The first message not yet taken that `match`es (by type when a string), waiting up to `timeoutMs`;
   * rejects with the child's stderr and error report when it exits or reports an error first.
   */
  take<M extends Message = Message>(match: string | ((message: Message) => boolean), timeoutMs = 30_000): Promise<M> {
    const predicate = typeof match === 'string' ? (m: Message) => m.t === match : match;
    for (let i = 0; i < this.messages.length; i++) {
      const message = this.messages[i];
      if (message !== undefined && !this.#taken[i] && predicate(message)) {
        this.#taken[i] = true;
        return Promise.resolve(message as M);
      }
    }
    const reported = this.#errorReport();
    if (reported !== undefined) return Promise.reject(this.#failure(`reported an error while waited on for ${String(match)}`));
    if (this.#exit !== undefined) return Promise.reject(this.#failure(`had exited when waited on for ${String(match)}`));
    return new Promise<M>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.findIndex((w) => w.timer === timer);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(this.#failure(`sent no ${typeof match === 'string' ? match : 'matching'} message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push({ match: predicate, resolve: resolve as (m: Message) => void, reject, timer });
    });
  }

  /** Writes one protocol line to the child's stdin (ignored once it has exited). */
  send(message: Message): void {
    if (this.#exit === undefined && this.process.stdin.writable) this.process.stdin.write(encodeLine(message));
  }

  /** Waits for the child to exit by itself within `timeoutMs`, else kills it and fails. */
  async waitExit(timeoutMs = 30_000): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      await this.kill();
      throw this.#failure(`did not exit within ${timeoutMs} ms (killed)`);
    }
    return result;
  }

  /** Sends SIGKILL (if still running) and waits until the process is reaped. */
  async kill(): Promise<ExitInfo> {
    if (this.#exit === undefined) this.process.kill('SIGKILL');
    return this.exited;
  }

  #onStdout(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const message = decodeLine(line);
      if (message.t === 'wakeups' && typeof message.n === 'number' && message.n > this.#wakeups) {
        childWakeups += message.n - this.#wakeups;
        this.#wakeups = message.n;
        continue;
      }
      const index = this.messages.push(message) - 1;
      this.#taken[index] = false;
      if (message.t === 'error') {
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(this.#failure('reported an error'));
        }
        continue;
      }
      const at = this.#waiters.findIndex((w) => w.match(message));
      const waiter = at >= 0 ? this.#waiters.splice(at, 1)[0] : undefined;
      if (waiter !== undefined) {
        clearTimeout(waiter.timer);
        this.#taken[index] = true;
        waiter.resolve(message);
      }
    }
  }

  #errorReport(): ErrorMessage | undefined {
    return this.messages.find((m): m is ErrorMessage => m.t === 'error');
  }

  #failure(what: string): Error {
    const report = this.#errorReport();
    const parts = [`child ${this.name} ${what}`];
    if (this.#exit !== undefined) parts.push(`exit code ${this.#exit.code} signal ${this.#exit.signal}`);
    if (report !== undefined) parts.push(`error ${report.code ?? ''}: ${report.message}\n${report.stack ?? ''}`);
    if (this.#stderr !== '') parts.push(`stderr:\n${this.#stderr}`);
    const error = new Error(parts.join('; '));
    if (report?.code !== undefined) (error as Error & { code?: string }).code = report.code;
    return error;
  }
}

/**
 * Spawns `test/children/<script>` with `params` as its JSON argv, extra `env`, and `nodeArgs` before
 * the script (say `--import <preload>`).
 */
export function spawnChild(
  name: string,
  script: string,
  params: unknown,
  env?: Record<string, string>,
  nodeArgs?: readonly string[],
): ChildHandle {
  return new ChildHandle(name, script, params, env, nodeArgs);
}

/** Kills (SIGKILL) every child still running and waits until all are reaped: call it in `afterEach`. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => child.kill()));
}

/** Takes a message of type `t` from every child (in parallel). */
export function takeAll<M extends Message = Message>(children: readonly ChildHandle[], t: string, timeoutMs?: number): Promise<M[]> {
  return Promise.all(children.map((child) => child.take<M>(t, timeoutMs)));
}

/** The barrier: sends the same message to every child in one tight loop (they wait on stdin for it). */
export function release(children: readonly ChildHandle[], message: Message = { t: 'go' }): void {
  for (const child of children) child.send(message);
}
