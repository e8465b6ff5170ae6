import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backend, openAdapter, tempDir } from './helpers.js';

// With lmdb's stock engine (forced here with AGENTSTORE_LMDB_ENGINE=stock, as when the engine could not
// be built) the adapter must not let several processes share an environment: the stock binary loses
// acknowledged commits when another process opens it. One process holds it; others get LOCKED at once.

const here = dirname(fileURLToPath(import.meta.url));

interface Report {
  event: 'opened' | 'error';
  code?: string;
  message?: string;
  ms?: number;
  multiProcess?: boolean;
  patched?: boolean;
  previous?: string | null;
}

function start(mode: 'hold' | 'try', engine: 'stock' | 'fixed'): ChildProcessWithoutNullStreams {
  const env = { ...process.env };
  if (engine === 'stock') env.AGENTSTORE_LMDB_ENGINE = 'stock';
  else delete env.AGENTSTORE_LMDB_ENGINE;
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'hold-env.ts'), dir, mode], {
    cwd: join(here, '..', '..', '..'),
    env,
  });
}

/** The fixture's report line. */
function report(child: ChildProcessWithoutNullStreams): Promise<Report> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as Report);
    });
    child.on('exit', (code) => reject(new Error(`hold-env exited ${code} without a report: ${err}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
}

let dir: string;
let cleanup: () => void;
const children: ChildProcessWithoutNullStreams[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await exited(child);
  }
  cleanup();
});

describe('the stock engine runs one process per environment', () => {
  it('a second process gets LOCKED within 100 ms, whichever engine it runs, until the holder dies', async () => {
    const holder = start('hold', 'stock');
    children.push(holder);
    const held = await report(holder);
    expect(held).toMatchObject({ event: 'opened', multiProcess: false, patched: false });

    const stock = await report(start('try', 'stock'));
    expect(stock.event).toBe('error');
    expect(stock.code).toBe('LOCKED');
    expect(stock.message).toContain(`process ${holder.pid}`);
    expect(stock.ms).toBeLessThan(100);

    const fixed = await report(start('try', 'fixed'));
    expect(fixed).toMatchObject({ event: 'error', code: 'LOCKED' });
    expect(fixed.ms).toBeLessThan(100);

    // This test process runs the fixed engine: refused too.
    const instance = await openAdapter(dir);
    await expect(backend(instance, 'held')).rejects.toMatchObject({ code: 'LOCKED' });
    await instance.close();

    // A killed holder leaves nothing behind: the next process opens at once and sees its write.
    holder.kill('SIGKILL');
    await exited(holder);
    const next = await report(start('try', 'stock'));
    expect(next).toMatchObject({ event: 'opened', multiProcess: false, previous: String(holder.pid) });
  }, 60_000);

  it('the holder lets the next process in when it closes', async () => {
    const holder = start('hold', 'stock');
    children.push(holder);
    await report(holder);
    holder.stdin.end();
    await exited(holder);
    expect(await report(start('try', 'stock'))).toMatchObject({ event: 'opened', previous: String(holder.pid) });
  }, 60_000);

  it('lmdb imported before the adapter: the stock binary is loaded, and the adapter knows it and says why', async () => {
    const env = { ...process.env };
    delete env.LMDB_PREBUILD; // as in a fresh process (this one selected the engine for itself)
    delete env.AGENTSTORE_LMDB_ENGINE;
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'lmdb-first.ts')], {
      cwd: join(here, '..', '..', '..'),
      env,
    });
    const info = (await report(child)) as unknown as Record<string, unknown>;
    expect(info).toMatchObject({ patched: false, forcedStock: false, multiProcess: false });
    expect(info.reason).toContain('before @agentstore/adapter-lmdb was imported');
  }, 60_000);

  it.skipIf(process.platform !== 'linux')(
    'a stock-engine process gets LOCKED while a fixed-engine process has the environment open',
    async () => {
      const instance = await openAdapter(dir);
      const db = await backend(instance, 'held');
      await db.transact((tx) => tx.put(Buffer.from('holder'), Buffer.from('parent')));
      expect(await report(start('try', 'stock'))).toMatchObject({ event: 'error', code: 'LOCKED' });
      // Fixed-engine processes share it as before.
      expect(await report(start('try', 'fixed'))).toMatchObject({ event: 'opened', multiProcess: true, patched: true, previous: 'parent' });
      await instance.close();
      expect(await report(start('try', 'stock'))).toMatchObject({ event: 'opened', multiProcess: false });
    },
    60_000,
  );
});
