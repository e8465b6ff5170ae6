import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DescribedError } from '../output.js';
import type { GlobalOptions } from './context.js';
import type { DoctorRow } from './doctor-row.js';

/** Environment variable carrying the global options to the child (JSON). */
export const DOCTOR_OPTIONS_ENV = 'AGENTSTORE_DOCTOR_OPTIONS';
/** Environment variable carrying the step ids the child skips (JSON array). */
export const DOCTOR_SKIP_ENV = 'AGENTSTORE_DOCTOR_SKIP';

/** One JSON line of the child. */
export type DoctorEvent =
  | { readonly step: { readonly id: string; readonly label: string } }
  | { readonly row: DoctorRow }
  | { readonly done: true }
  | { readonly error: DescribedError };

/** What the checks found, or the error that stopped them before any data was looked at. */
export interface IsolatedOutcome {
  readonly rows: DoctorRow[];
  readonly error?: DescribedError;
}

/** One crash per damaged domain at most; past this many, the remaining steps are reported unchecked. */
const MAX_RUNS = 8;

/** The child entry beside this file: `.ts` when running from source, `.js` when built. */
function childEntry(): string {
  const own = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./doctor-child${extname(own)}`, import.meta.url));
}

interface ChildRun {
  readonly events: DoctorEvent[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runChild(global: GlobalOptions, skip: readonly string[]): Promise<ChildRun> {
  // Same node flags as this process (under tsx from source they load the TypeScript sources).
  const child = spawn(process.execPath, [...process.execArgv, childEntry()], {
    env: { ...process.env, [DOCTOR_OPTIONS_ENV]: JSON.stringify(global), [DOCTOR_SKIP_ENV]: JSON.stringify(skip) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: DoctorEvent[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as DoctorEvent);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk); // warnings reach the user as before
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ events, code, signal, stderr }));
  });
}

/**
 * Runs the doctor's checks in child processes. A child that dies (SIGSEGV, SIGBUS, an abort in the
 * engine) leaves a FAULT row for the step it was in, and a new child goes on with the steps not
 * done yet; the parent never touches the files itself, so it cannot crash on them.
 */
export async function runIsolated(global: GlobalOptions): Promise<IsolatedOutcome> {
  const rows: DoctorRow[] = [];
  const skip: string[] = [];
  for (let run = 1; ; run++) {
    const result = await runChild(global, skip);
    let current: { id: string; label: string } | undefined;
    for (const event of result.events) {
      if ('error' in event) return { rows, error: event.error };
      if ('done' in event) return { rows };
      if ('step' in event) {
        if (current) skip.push(current.id);
        current = event.step;
      } else rows.push(event.row);
    }
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    rows.push({
      target: current?.label ?? 'doctor',
      status: 'FAULT',
      detail:
        `the check ended its process (${how}): the engine met damage it does not detect before reading it ` +
        `(LMDB keeps no page checksums)${last && !result.signal ? `; ${last}` : ''}`,
    });
    if (!current) return { rows };
    skip.push(current.id);
    if (run >= MAX_RUNS) {
      rows.push({ target: 'doctor', status: 'FAULT', detail: `stopped after ${MAX_RUNS} crashed checks; the rest is unchecked` });
      return { rows };
    }
  }
}
