/**
 * Issue 14 item 6: how artifacts judge the owner of a lease, reservation or unfinished write dead —
 * with real processes: one alive, one SIGKILLed and reaped, one killed but not reaped (a zombie), a
 * live pid recorded with another start time (the pid was reused), another host, and this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER, ownerGone, processStat } from '../src/artifacts/owner.js';

const procfs = existsSync('/proc/self/stat');
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** Starts `sh -c script` and resolves with it and the first line it prints. */
function start(script: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const end = out.indexOf('\n');
      if (end >= 0) resolve({ child, line: out.slice(0, end) });
    });
    child.on('error', reject);
  });
}

/** The owner record a process with `pid` would have written on this host. */
function ownerOf(pid: number): { token: string; pid: number; host: string; start?: number } {
  const start = processStat(pid)?.start;
  return { token: 'other', pid, host: OWNER.host, ...(start === undefined ? {} : { start }) };
}

describe('artifacts owner liveness', () => {
  it('a live process is alive; SIGKILLed and reaped, it is gone', async () => {
    const { child } = await start('echo up; exec sleep 600');
    const pid = child.pid as number;
    const owner = ownerOf(pid);
    expect(ownerGone(owner)).toBe(false);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(ownerGone(owner)).toBe(true);
  });

  it.skipIf(!procfs)('a killed process its parent has not reaped (a zombie) is gone', async () => {
    // The first sleep's parent becomes the second sleep (exec), which never waits for children.
    const { child, line } = await start('sleep 600 & echo $!; exec sleep 600');
    const pid = Number(line);
    const owner = ownerOf(pid);
    expect(ownerGone(owner)).toBe(false);
    // Kill only once the shell has become the second sleep: a shell still running reaps the killed child.
    const parentIsSleep = () => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep';
    for (let i = 0; i < 200 && !parentIsSleep(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(parentIsSleep()).toBe(true);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && processStat(pid)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(processStat(pid)?.state).toBe('Z');
    expect(ownerGone(owner)).toBe(true);
  });

  it.skipIf(!procfs)('a live pid that started at another time than recorded is a reused pid: the owner is gone', async () => {
    const { child } = await start('echo up; exec sleep 600');
    const owner = ownerOf(child.pid as number);
    expect(owner.start).toBeTypeOf('number');
    expect(ownerGone(owner)).toBe(false);
    expect(ownerGone({ ...owner, start: (owner.start as number) - 1 })).toBe(true);
  });

  it('an owner on another host, or with no start time to compare, is never judged', async () => {
    const { child } = await start('echo up; exec sleep 600');
    const owner = ownerOf(child.pid as number);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(ownerGone({ ...owner, host: `${OWNER.host}-elsewhere` })).toBe(false);
    // This process's pid: gone only when the recorded start time proves an earlier process.
    expect(ownerGone({ ...OWNER, token: 'another copy of core' })).toBe(false);
    const { start: _start, ...noStart } = OWNER;
    expect(ownerGone({ ...noStart, token: 'another copy of core' })).toBe(false);
    if (OWNER.start !== undefined) expect(ownerGone({ ...OWNER, token: 'earlier', start: OWNER.start - 1 })).toBe(true);
  });

  it('this process records its pid, host id and (with /proc) its start time', () => {
    expect(OWNER.pid).toBe(process.pid);
    expect(OWNER.host.length).toBeGreaterThan(0);
    if (procfs) expect(OWNER.start).toBe(processStat(process.pid)?.start);
  });
});
