import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs install script (it runs before any TypeScript is built)
import { lmdbRoot, PATCH_MARKER, prepareSources } from '../scripts/build-engine.mjs';
import { lmdbAdapter, lmdbBuildInfo } from '../src/index.js';
import { ENGINE_ADDON, ENGINE_DIR } from '../src/select-engine.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(packageRoot, 'scripts', 'build-engine.mjs');
const MDB_C = join('dependencies', 'lmdb', 'libraries', 'liblmdb', 'mdb.c');

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-engine-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package directory of its own (the script builds beside itself), resolving the same lmdb. */
function probePackage(): string {
  const pkg = temp();
  mkdirSync(join(pkg, 'scripts'));
  mkdirSync(join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), '{"name":"engine-probe","type":"module"}');
  writeFileSync(join(pkg, 'scripts', 'build-engine.mjs'), readFileSync(script));
  symlinkSync(lmdbRoot(), join(pkg, 'node_modules', 'lmdb'), 'dir');
  return pkg;
}

/** An environment where node-gyp finds no compiler. */
const NO_COMPILER = { ...process.env, CC: '/nonexistent/cc', CXX: '/nonexistent/c++' };

function runScript(file: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [file], { cwd: dirname(dirname(file)), env, encoding: 'utf8', timeout: 120_000 });
}

describe('the workspace install', () => {
  it("runs agentstore's fixed engine, built by the adapter's install script", async () => {
    const info = lmdbBuildInfo();
    expect(info.addonPath).toBe(ENGINE_ADDON);
    expect(info).toMatchObject({ sourceBuilt: true, patched: true, forcedStock: false, reason: undefined });
    expect(readFileSync(ENGINE_ADDON).includes(PATCH_MARKER)).toBe(true);
    expect(process.env.LMDB_PREBUILD).toBe(ENGINE_DIR);
    expect(lmdbAdapter.capabilities.multiProcess).toBe(true);
    const instance = await lmdbAdapter.open({ dataDir: temp() });
    expect(instance.engine?.()).toMatchObject({ multiProcess: true, build: expect.stringContaining(ENGINE_ADDON) });
    await instance.close();
  });
});

describe('scripts/build-engine.mjs', () => {
  it('finds the engine built and leaves it alone on a second run', () => {
    const stamp = readFileSync(join(ENGINE_DIR, 'agentstore-engine.json'), 'utf8');
    const before = statSync(ENGINE_ADDON);
    const run = runScript(script);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('LMDB engine already built');
    const after = statSync(ENGINE_ADDON);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(readFileSync(join(ENGINE_DIR, 'agentstore-engine.json'), 'utf8')).toBe(stamp);
  });

  it("guards the txnid reset in a copy of lmdb's sources and never touches lmdb's package", () => {
    const lmdb = lmdbRoot() as string;
    const stockBefore = readFileSync(join(lmdb, MDB_C), 'utf8');
    const dir = temp();
    prepareSources(lmdb, dir);
    const copy = readFileSync(join(dir, MDB_C), 'utf8');
    expect(copy.match(/if \(prev && env->me_txns\)\n\t+env->me_txns->mti_txnid = meta\.mm_txnid;/g)).toHaveLength(1);
    expect(copy).not.toMatch(/\tif \(env->me_txns\)\n\t+env->me_txns->mti_txnid/);
    expect(copy).toContain(PATCH_MARKER);
    expect(readFileSync(join(dir, 'binding.gyp'), 'utf8')).not.toContain("require('node-addon-api')");
    expect(readFileSync(join(lmdb, MDB_C), 'utf8')).toBe(stockBefore);
    expect(stockBefore).toMatch(/\tif \(env->me_txns\)\n\t+env->me_txns->mti_txnid = meta\.mm_txnid;/);
  });

  it('without a working compiler the install goes on, says why, and takes over a dead builder’s lock', () => {
    const pkg = probePackage();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(join(pkg, 'engine.lock'));
    writeFileSync(join(pkg, 'engine.lock', 'pid'), dead);

    const run = runScript(join(pkg, 'scripts', 'build-engine.mjs'), NO_COMPILER);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('could not build the fixed LMDB engine');
    expect(run.stderr).toContain('a second process gets LOCKED');
    const status = JSON.parse(readFileSync(join(pkg, 'engine-status.json'), 'utf8'));
    expect(status.ok).toBe(false);
    expect(status.reason).toMatch(/node-gyp/);
    expect(existsSync(join(pkg, 'engine'))).toBe(false);
    expect(existsSync(join(pkg, 'engine.lock'))).toBe(false);
  }, 130_000);

  it('waits while another live install holds the build lock, then builds', async () => {
    const pkg = probePackage();
    mkdirSync(join(pkg, 'engine.lock'));
    writeFileSync(join(pkg, 'engine.lock', 'pid'), String(process.pid)); // this test process: alive
    const child = spawn(process.execPath, [join(pkg, 'scripts', 'build-engine.mjs')], { cwd: pkg, env: NO_COMPILER, stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(child.exitCode).toBe(null);
    expect(existsSync(join(pkg, 'engine-status.json'))).toBe(false);
    rmSync(join(pkg, 'engine.lock'), { recursive: true });
    expect(await exit).toBe(0);
    expect(JSON.parse(readFileSync(join(pkg, 'engine-status.json'), 'utf8')).ok).toBe(false);
  }, 130_000);
});
