import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR } from './support/cli.js';
import { openStore, tempDir } from './support/stores.js';

/**
 * `agentstore doctor` runs its checks in a child process: an engine crash while reading (SIGSEGV on
 * a damaged LMDB page) must become a FAULT row for what was being read, the other domains must still
 * be checked, and doctor itself must exit 3. The crash is injected by a preloaded module
 * (fixtures/crash-on-step.mjs) that doctor's node flags carry into the child.
 */

let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;

beforeAll(async () => {
  tmp = await tempDir();
  const domains = { alpha: { adapter: 'sqlite' }, beta: { adapter: 'lmdb' }, gamma: { adapter: 'sqlite' } } as const;
  const store = await openStore(join(tmp.dir, 'data'), domains);
  for (const domain of Object.keys(domains)) await store.kv(domain).put('k', domain);
  await store.close();
  config = join(tmp.dir, 'agentstore.config.json');
  await writeFile(config, JSON.stringify({ dataDir: 'data', domains }));
});

afterAll(() => tmp.remove());

function doctorWithCrashAt(step: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const hook = join(CLI_DIR, 'test', 'fixtures', 'crash-on-step.mjs');
  const args = [
    '--conditions=source',
    '--import',
    'tsx',
    '--import',
    hook,
    join(CLI_DIR, 'src', 'bin.ts'),
    '-c',
    config,
    'doctor',
    '--json',
  ];
  const child = spawn(process.execPath, args, {
    cwd: CLI_DIR,
    env: { ...process.env, AGENTSTORE_TEST_CRASH_STEP: step, AGENTSTORE_TEST_CRASH_ONCE: join(tmp.dir, `crashed-${step}`) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
}

describe('doctor survives an engine crash in its checks', () => {
  it('a child killed by SIGSEGV while reading a domain: FAULT for that domain, the rest checked, exit 3', async () => {
    const r = await doctorWithCrashAt('domain:beta');
    expect(r.signal).toBeNull();
    expect(r.code, r.stdout).toBe(3);
    const rows = JSON.parse(r.stdout) as Array<{ target: string; status: string; detail: string }>;
    const beta = rows.filter((row) => row.target.startsWith('domain beta'));
    expect(beta).toEqual([{ target: 'domain beta', status: 'FAULT', detail: expect.stringMatching(/signal SIGSEGV/) }]);
    // Checked before the crash and by the second child after it; nothing twice.
    expect(rows.filter((row) => row.target.startsWith('domain alpha')).map((row) => row.status)).toEqual(['ok']);
    expect(rows.filter((row) => row.target.startsWith('domain gamma')).map((row) => row.status)).toEqual(['ok']);
    expect(rows.filter((row) => row.target === 'adapter sqlite')).toHaveLength(1);
  });
});
