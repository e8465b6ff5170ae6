import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs a TypeScript fixture in its own Node process; resolves with its stdout. */
function run(name: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', name), ...args], {
      cwd: join(here, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
