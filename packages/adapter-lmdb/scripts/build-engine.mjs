// Install script of @agentstore/adapter-lmdb: builds agentstore's LMDB engine, lmdb-js's native addon
// compiled from lmdb's own sources with the one-line fix for the commit-losing txnid reset (ITS#9496;
// see the package README). Plain JS: it runs at install, before any TypeScript is built.
//
// What it does: copies binding.gyp, src/ and dependencies/ of the lmdb package this package resolves
// into a staging directory inside this package, applies the guard to the copy of mdb.c, compiles with
// node-gyp against the Node headers installed beside node (nothing is downloaded when they are there),
// and renames the staging directory to `engine/` with a stamp. lmdb's own package directory is never
// written (pnpm's store shares it). At runtime src/select-engine.ts points lmdb's loader at `engine/`.
//
// Idempotent: a stamp recording what the engine was built from (lmdb version, mdb.c, Node ABI, platform,
// this script's patch version) skips a matching build. Concurrency-safe: one build at a time per package
// directory (a lock directory holding the builder's pid; a dead builder's lock is taken over), and the
// engine appears by one rename. Never fails the install: when the build cannot be done (no compiler, no
// python, no node-gyp) it says why in `engine-status.json` and on stderr, and exits 0; the adapter then
// runs the stock engine in single-process mode and says how to fix it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiled into the engine: found in the binary, it proves the addon carries the guard. */
export const PATCH_MARKER = 'agentstore-lmdb-patch:txnid-reset-guard:v1';
/** The stock line in `mdb_env_open2` and its replacement (upstream LMDB's fix for ITS#9496). */
const STOCK_RESET = /\n(\t+)if \(env->me_txns\)\n(\t+)env->me_txns->mti_txnid = meta\.mm_txnid;\n/g;
const GUARDED_RESET = (indent, inner) =>
  `\n${indent}/* agentstore: only reset the shared txnid when this process just initialized the lock file\n` +
  `${indent} * (prev), as upstream LMDB does since ITS#9496. Resetting it on every open rewinds the txnid\n` +
  `${indent} * under a writer of another process and loses its acknowledged commit. */\n` +
  `${indent}if (prev && env->me_txns)\n${inner}env->me_txns->mti_txnid = meta.mm_txnid;\n`;
const MARKER_SOURCE =
  '\n#if defined(__GNUC__)\n/* agentstore patch marker: found in the built addon to prove it is the guarded build. */\n' +
  `__attribute__((used)) static const char mdb_agentstore_patch_marker[] = "${PATCH_MARKER}";\n#endif\n`;
const MDB_C = 'dependencies/lmdb/libraries/liblmdb/mdb.c';
const STALE_LOCK_MS = 20 * 60_000;

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const engineDir = path.join(packageRoot, 'engine');
const addonFile = path.join(engineDir, 'build', 'Release', 'lmdb.node');
const stampFile = path.join(engineDir, 'agentstore-engine.json');
const statusFile = path.join(packageRoot, 'engine-status.json');
const lockDir = path.join(packageRoot, 'engine.lock');

function log(line) {
  console.log(`@agentstore/adapter-lmdb: ${line}`);
}

/** The root of the lmdb package this package depends on (lmdb does not export its package.json). */
export function lmdbRoot() {
  const entry = createRequire(path.join(packageRoot, 'package.json')).resolve('lmdb');
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'binding.gyp'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no binding.gyp above ${entry}`);
    dir = up;
  }
  return dir;
}

/** What the engine is built from; a stamp with the same fingerprint means there is nothing to do. */
function fingerprint(lmdb) {
  const hash = createHash('sha256');
  hash.update(`${PATCH_MARKER}|${process.versions.modules}|${process.platform}|${process.arch}|`);
  for (const file of ['package.json', 'binding.gyp', MDB_C]) hash.update(fs.readFileSync(path.join(lmdb, file)));
  return hash.digest('hex');
}

/** True when `engine/` holds a finished build of `wanted` (the addon's hash is in the stamp). */
function upToDate(wanted) {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    return stamp.fingerprint === wanted && fs.existsSync(addonFile);
  } catch {
    return false;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Waits for the lock directory; a lock whose builder died (or that is very old) is taken over. */
function acquireLock() {
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    try {
      const holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      const age = Date.now() - fs.statSync(lockDir).mtimeMs;
      // No pid yet: the holder is between mkdir and write; give it a moment unless it is old.
      if ((holder > 0 && !alive(holder)) || age > STALE_LOCK_MS) {
        // Renaming first makes the takeover one step: only one waiter moves this lock away.
        const dead = `${lockDir}.dead-${process.pid}`;
        fs.renameSync(lockDir, dead);
        fs.rmSync(dead, { recursive: true, force: true });
        continue;
      }
    } catch {
      // the holder released it (or another waiter took it over) meanwhile
    }
    sleep(300);
  }
}

/** node-gyp as a command: the one npm/pnpm pass to install scripts, a dependency, npm's own, or PATH. */
function nodeGypCommand() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(path.join(packageRoot, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed beside this package
  }
  const bin = path.dirname(process.execPath);
  candidates.push(
    path.join(bin, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(bin, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  for (const file of candidates) if (file && fs.existsSync(file)) return [process.execPath, file];
  return [process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp'];
}

/** Node's headers: npm_config_nodedir, else those installed beside node (so nothing is downloaded). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/** Copies lmdb's native sources into `dir` and applies the guard to the copy (exported for tests). */
export function prepareSources(lmdb, dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of ['binding.gyp', 'src', 'dependencies']) {
    fs.cpSync(path.join(lmdb, entry), path.join(dir, entry), { recursive: true });
  }
  const mdb = path.join(dir, MDB_C);
  const source = fs.readFileSync(mdb, 'utf8');
  const found = source.match(STOCK_RESET)?.length ?? 0;
  if (found !== 1) throw new Error(`${MDB_C} of this lmdb version has ${found} txnid resets where 1 was expected`);
  fs.writeFileSync(mdb, source.replace(STOCK_RESET, (_m, indent, inner) => GUARDED_RESET(indent, inner)) + MARKER_SOURCE);
  // binding.gyp asks `node -p "require('node-addon-api')..."` from the build directory, where lmdb's
  // dependencies do not resolve: give it the include directory of the node-addon-api lmdb uses.
  const addonApi = path.dirname(createRequire(path.join(lmdb, 'package.json')).resolve('node-addon-api/package.json'));
  const gyp = path.join(dir, 'binding.gyp');
  const gypText = fs.readFileSync(gyp, 'utf8');
  const include = `"<!(node -p \\"require('node-addon-api').include_dir\\")"`;
  if (!gypText.includes(include)) throw new Error('binding.gyp of this lmdb version does not include node-addon-api as expected');
  fs.writeFileSync(gyp, gypText.replace(include, JSON.stringify(addonApi)));
}

/** Builds the engine in a staging directory, then renames it to `engine/`. Throws with the reason. */
function build(lmdb, wanted) {
  const started = Date.now();
  const staging = path.join(packageRoot, `engine.staging-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    prepareSources(lmdb, staging);
    const [cmd, ...pre] = nodeGypCommand();
    const dir = nodeDir();
    const jobs = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const args = [...pre, 'rebuild', `--jobs=${jobs}`, ...(dir ? [`--nodedir=${dir}`] : [])];
    log(`building the LMDB engine from lmdb ${readVersion(lmdb)}'s sources with the txnid-reset guard (node-gyp rebuild)`);
    const result = spawnSync(cmd, args, {
      cwd: staging,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      encoding: 'utf8',
    });
    const built = path.join(staging, 'build', 'Release', 'lmdb.node');
    if (result.error || result.status !== 0 || !fs.existsSync(built)) {
      const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n');
      throw new Error(
        `${result.error ? `cannot run node-gyp (${result.error.message})` : `node-gyp exited with ${result.status}`}: ` +
          `${output.slice(-12).join('\n')}\n(needs a C/C++ compiler, make and python3)`,
      );
    }
    if (!fs.readFileSync(built).includes(PATCH_MARKER) && process.platform !== 'win32') {
      throw new Error('the built addon does not carry the patch marker');
    }
    const addonSha256 = createHash('sha256').update(fs.readFileSync(built)).digest('hex');
    const stamp = { fingerprint: wanted, lmdb: readVersion(lmdb), addonSha256, node: process.version, builtAt: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, 'agentstore-engine.json'), `${JSON.stringify(stamp, null, 2)}\n`);
    // Move a previous engine away first (a rename; a process may still have its addon mapped).
    if (fs.existsSync(engineDir)) {
      const old = path.join(packageRoot, `engine.old-${process.pid}`);
      fs.renameSync(engineDir, old);
      fs.rmSync(old, { recursive: true, force: true });
    }
    fs.renameSync(staging, engineDir);
    log(`LMDB engine built in ${Math.round((Date.now() - started) / 1000)} s: ${addonFile}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function readVersion(lmdb) {
  return JSON.parse(fs.readFileSync(path.join(lmdb, 'package.json'), 'utf8')).version;
}

/** Records the outcome for the runtime message; by rename, as pnpm may hard-link this file from its store. */
function writeStatus(status) {
  const tmp = `${statusFile}.${process.pid}`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ ...status, at: new Date().toISOString() }, null, 2)}\n`);
    fs.renameSync(tmp, statusFile);
  } catch {
    fs.rmSync(tmp, { force: true });
    // a read-only package directory: the runtime message still says what to do
  }
}

function main() {
  if (process.env.AGENTSTORE_LMDB_SKIP_BUILD === '1') {
    log('AGENTSTORE_LMDB_SKIP_BUILD=1: not building the LMDB engine');
    return;
  }
  let lmdb;
  let wanted;
  try {
    lmdb = lmdbRoot();
    wanted = fingerprint(lmdb);
    if (upToDate(wanted)) {
      log('LMDB engine already built');
      return;
    }
    acquireLock();
    try {
      if (upToDate(wanted)) log('LMDB engine built by a concurrent install');
      else build(lmdb, wanted);
    } finally {
      fs.rmSync(lockDir, { recursive: true, force: true });
    }
    writeStatus({ ok: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    writeStatus({ ok: false, reason });
    console.error(
      `@agentstore/adapter-lmdb: could not build the fixed LMDB engine: ${reason}\n` +
        "@agentstore/adapter-lmdb: the install goes on; the adapter will run lmdb's stock engine, one process per " +
        'environment (a second process gets LOCKED). Install a C/C++ toolchain, make and python3, then rebuild ' +
        'this package (npm rebuild @agentstore/adapter-lmdb, or pnpm rebuild @agentstore/adapter-lmdb).',
    );
  }
}

// Run as the install script (argv[1] may reach it through a symlink); imported by tests, it only exports.
function invokedDirectly() {
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) main();
