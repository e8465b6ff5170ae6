/**
 * The child side of the line protocol. A child reads its parameters from argv[2] (JSON), reports on
 * stdout with blocking writes (a line written after an await is an acknowledgement of what that await
 * waited for), reads commands from stdin, and exits as soon as stdin closes, so a parent that dies
 * leaves no orphan writing on.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeLine, encodeLine, type Message } from './protocol.js';
import { ownWakeups } from './wakeups.js';

/** This child's parameters (argv[2], JSON). */
export function childParams<P>(): P {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('child: missing JSON parameters in argv[2]');
  return JSON.parse(raw) as P;
}

let wakeupsReported = 0;

/**
 * Writes one protocol line to stdout, after a `wakeups` line when the LMDB write-lock rescue has woken
 * this process since the last one (so the parent can count them although the child dies by SIGKILL).
 */
export function send(message: Message): void {
  const wakeups = ownWakeups();
  if (wakeups > wakeupsReported) {
    wakeupsReported = wakeups;
    writeLineSync(encodeLine({ t: 'wakeups', n: wakeups }));
  }
  writeLineSync(encodeLine(message));
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes to fd 1 before returning. `process.stdout.write` queues in the process once the pipe is full
 * (the parent reads slowly on a loaded machine), and a SIGKILL then loses lines whose writes had
 * already happened: the parent would see more survivors than acknowledgements. The pipe is
 * non-blocking, so a full one answers EAGAIN: wait a millisecond and try again.
 */
function writeLineSync(line: string): void {
  const bytes = Buffer.from(line);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const inbox: Message[] = [];
const waiting: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const message = decodeLine(line);
    const at = waiting.findIndex((w) => w.match(message));
    const waiter = at >= 0 ? waiting.splice(at, 1)[0] : undefined;
    if (waiter !== undefined) waiter.resolve(message);
    else inbox.push(message);
  });
  // The parent is gone (or done with us): stop at once.
  lines.on('close', () => process.exit(0));
}

/** The next stdin message of type `t` (or matching a predicate). */
export function receive<M extends Message = Message>(match: string | ((m: Message) => boolean)): Promise<M> {
  listen();
  const predicate = typeof match === 'string' ? (m: Message) => m.t === match : match;
  const at = inbox.findIndex(predicate);
  if (at >= 0) return Promise.resolve(inbox.splice(at, 1)[0] as M);
  return new Promise<M>((resolve) => waiting.push({ match: predicate, resolve: resolve as (m: Message) => void }));
}

/** True once a message of type `t` has arrived (without consuming it). */
export function hasReceived(t: string): boolean {
  return inbox.some((m) => m.t === t);
}

/**
 * Runs a child's main function: starts listening on stdin, reports a thrown error as an `error`
 * message (with its `code`) and exits 1; exits 0 when `main` returns, unless `stayAlive`.
 */
export function runChild(main: () => Promise<void>, { maxMs = 120_000 }: { maxMs?: number } = {}): void {
  listen();
  // Every child stops by itself even if the parent forgets it.
  setTimeout(() => {
    send({ t: 'error', code: 'CHILD_TIMEOUT', message: `child ran longer than ${maxMs} ms` });
    process.exit(2);
  }, maxMs).unref();
  process.on('unhandledRejection', (reason) => fail(reason));
  main().then(
    () => process.exit(0),
    (error: unknown) => fail(error),
  );
}

function fail(error: unknown): never {
  const err = error as { code?: unknown; message?: unknown; stack?: unknown };
  send({
    t: 'error',
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    message: String(err?.message ?? error),
    ...(typeof err?.stack === 'string' ? { stack: err.stack } : {}),
  });
  process.exit(1);
}

/** The error code of a StoreError (or any error with a string `code`). */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
