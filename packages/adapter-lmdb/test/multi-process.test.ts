import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backend, openAdapter, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

function start(name: string, args: string[]) {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', name), ...args], {
    cwd: join(here, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a TypeScript fixture in its own Node process; resolves with its stdout. */
function run(name: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = start(name, args);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${name} exited ${code}: ${err}`))));
  });
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('several processes on one dataDir', () => {
  it('keeps read-modify-write counters exact while other processes open and close', async () => {
    const rounds = 40;
    const [a, b2, c] = await Promise.all([
      run('count-up.ts', [dir, String(rounds), 'balanced']),
      run('count-up.ts', [dir, String(rounds), 'strict']),
      run('count-up.ts', [dir, String(rounds), 'fast']),
      run('open-close.ts', [dir, '20']),
      run('open-close.ts', [dir, '20']),
    ]);
    const acked = [a, b2, c].flatMap((out) => JSON.parse(out) as number[]);
    expect(acked).toHaveLength(3 * rounds * 10);
    expect(new Set(acked).size).toBe(acked.length);
    expect(Math.max(...acked)).toBe(acked.length);
  }, 60_000);
});

describe('kill -9', () => {
  it('keeps every acknowledged balanced write', async () => {
    const child = start('write-until-killed.ts', [dir]);
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.split('\n').length > 400) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`exited ${code}`)));
    });
    await new Promise((resolve) => child.on('close', resolve));
    const acked = out
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
    const instance = await openAdapter(dir);
    const db = await backend(instance, 'killed');
    const missing = [];
    for (const i of acked) {
      const key = Buffer.alloc(4);
      key.writeUInt32BE(i);
      if ((await db.get(key)) === undefined) missing.push(i);
    }
    await instance.close();
    expect(acked.length).toBeGreaterThanOrEqual(400);
    expect(missing).toEqual([]);
  }, 60_000);
});
