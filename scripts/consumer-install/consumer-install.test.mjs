// The product is what installs from a tarball: build and pack every public package, install the
// tarballs into fresh apps OUTSIDE the workspace (under os.tmpdir()) the way the root README's
// "Installing the packages" section tells each kind of user, and run there: a smoke script over
// SQLite, LMDB and LevelDB; a LangGraph StateGraph on AgentstoreSaver resumed in a second process on
// the same thread; the LMDB open-race probe through the public API; `npx agentstore --help`.
//
// Apps: npm (build scripts run by default); pnpm 10, first with builds not approved, where
// createStore must fail with UNSUPPORTED naming the fix, then after the fix the README and the message
// give (approve the builds with `onlyBuiltDependencies`, `pnpm rebuild …`): one native build per app,
// which is what bounds this test's time. The apps' package.json maps each @agentstore/* name to its tarball (dependencies and
// overrides): the tarballs stand in for the registry, everything else comes from the registry (or
// the npm cache / pnpm store when they hold it). Run: `pnpm test:consumer` (part of `pnpm test`).
// AGENTSTORE_CONSUMER_KEEP=1 keeps the apps for inspection.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const SCRIPT_TIMEOUT_MS = 5 * 60_000;
const PNPM = ['-y', 'pnpm@10'];
/** Native builds the README tells pnpm 10 users to approve. */
const APPROVED_BUILDS = ['@agentstore/adapter-lmdb', 'better-sqlite3', 'classic-level'];

const work = mkdtempSync(join(tmpdir(), 'agentstore-consumer-'));
const tarballDir = join(work, 'tarballs');
const timings = {};

/** The environment of a fresh shell: nothing from the pnpm run that started this test. */
function userEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$)/i.test(key)) env[key] = value;
  }
  return env;
}

/**
 * Runs a command in its own process group to completion; resolves with stdout, rejects with the output's
 * tail on a non-zero exit. Past `timeout` the whole group is killed, so a hung install stops by itself.
 */
function run(command, args, { cwd, timeout = SCRIPT_TIMEOUT_MS, label = `${command} ${args.join(' ')}` } = {}) {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      timings[label] = seconds;
      console.log(`[consumer] ${label} (in ${cwd}): ${seconds} s`);
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`${label} exited with ${code} (signal ${signal}) after ${seconds} s\n${tail}`));
    });
  });
}

/** Runs an app script with node; resolves with its last stdout line parsed as JSON. */
async function runScript(app, script, args, label) {
  const out = await run(process.execPath, [script, ...args], { cwd: app, label });
  const summary = JSON.parse(out.trim().split('\n').at(-1));
  console.log(`[consumer] ${label}: ${JSON.stringify(summary)}`);
  assert.equal(summary.ok, true);
  return summary;
}

const publicPackages = readdirSync(join(ROOT, 'packages'))
  .map((dir) => JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')))
  .filter((pkg) => pkg.private !== true);
const tarballs = new Map();
const devVersions = JSON.parse(readFileSync(join(ROOT, 'packages', 'langgraph', 'package.json'), 'utf8')).devDependencies;

before(async () => {
  mkdirSync(tarballDir);
  await run('npx', [...PNPM, 'run', 'build'], { cwd: ROOT, timeout: INSTALL_TIMEOUT_MS, label: 'pnpm run build' });
  const filters = publicPackages.flatMap((pkg) => ['--filter', pkg.name]);
  await run('npx', [...PNPM, '-r', ...filters, 'pack', '--pack-destination', tarballDir], {
    cwd: ROOT,
    timeout: INSTALL_TIMEOUT_MS,
    label: 'pnpm -r pack',
  });
  for (const pkg of publicPackages) {
    tarballs.set(pkg.name, join(tarballDir, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`));
  }
});

after(() => {
  console.log(`[consumer] timings (s): ${JSON.stringify(timings)}`);
  if (process.env.AGENTSTORE_CONSUMER_KEEP === '1') console.log(`[consumer] kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** A fresh app directory with the app scripts and a package.json depending on the tarballs. */
function makeApp(name, extra = {}) {
  const app = join(work, name);
  mkdirSync(app);
  for (const file of readdirSync(join(HERE, 'app'))) copyFileSync(join(HERE, 'app', file), join(app, file));
  const direct = [
    '@agentstore/core',
    '@agentstore/adapter-sqlite',
    '@agentstore/adapter-lmdb',
    '@agentstore/adapter-level',
    '@agentstore/adapter-redis',
    '@agentstore/langgraph',
    '@agentstore/openai-agents',
    '@agentstore/ai-sdk',
    '@agentstore/cli',
  ];
  const dependencies = Object.fromEntries(direct.map((n) => [n, tarballSpec(n)]));
  dependencies['@langchain/langgraph'] = devVersions['@langchain/langgraph'];
  dependencies['@langchain/core'] = devVersions['@langchain/core'];
  // The bridges' frameworks are peers: the app brings them, as a user would.
  dependencies['@openai/agents-core'] = bridgeDevVersion('openai-agents', '@openai/agents-core');
  dependencies.ai = bridgeDevVersion('ai-sdk', 'ai');
  const pkg = { name: `agentstore-consumer-${name}`, private: true, type: 'module', dependencies, ...extra };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return app;
}

/** The framework version a bridge package is tested with (its devDependency). */
function bridgeDevVersion(dir, name) {
  return JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')).devDependencies[name];
}

/** How an app (a sibling of the tarball directory) names a package's tarball. */
const tarballSpec = (name) => `file:../tarballs/${basename(tarballs.get(name))}`;

/** Every @agentstore/* package, wherever it is required, resolves to its tarball. */
const tarballOverrides = () => Object.fromEntries([...tarballs.keys()].map((n) => [n, tarballSpec(n)]));

/** The scripts every installed app must pass. */
async function exercise(app, kind) {
  await runScript(app, 'smoke.mjs', [join(app, 'data-smoke')], `${kind}: smoke (sqlite, lmdb, level)`);
  await runScript(app, 'langgraph.mjs', [join(app, 'data-lg'), 'start'], `${kind}: langgraph start`);
  const resumed = await runScript(app, 'langgraph.mjs', [join(app, 'data-lg'), 'resume'], `${kind}: langgraph resume`);
  assert.equal(resumed.steps.length, 2);
  await runScript(app, 'bridges.mjs', [join(app, 'data-bridges')], `${kind}: openai-agents session, ai-sdk chat`);
  const help = await run('npx', ['agentstore', '--help'], { cwd: app, label: `${kind}: npx agentstore --help` });
  assert.match(help, /Usage: agentstore/);
  assert.match(help, /\bmcp\b/, 'the CLI offers the MCP server');
  await runScript(app, 'lmdb-race.mjs', [join(app, 'data-race')], `${kind}: lmdb open race`);
}

it('pnpm pack: every public package is built, licensed and has real versions', () => {
  for (const [name, tarball] of tarballs) {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    assert.ok(files.includes('package/dist/index.js') && files.includes('package/dist/index.d.ts'), `${name} ships dist/`);
    assert.ok(files.includes('package/LICENSE'), `${name} ships LICENSE`);
    assert.ok(!files.some((f) => f.endsWith('.tsbuildinfo')), `${name} ships no tsbuildinfo`);
    assert.doesNotMatch(JSON.stringify(manifest), /workspace:/, `${name}: workspace: ranges were replaced`);
    assert.equal(manifest.publishConfig?.access, 'public');
    assert.equal(manifest.license, 'MIT');
    assert.equal(manifest.repository?.directory, `packages/${name.replace('@agentstore/', '')}`);
    assert.ok(manifest.engines?.node, `${name} declares engines.node`);
    if (manifest.bin) for (const bin of Object.values(manifest.bin)) assert.ok(files.includes(`package/${bin.replace('./', '')}`));
  }
});

it('npm pack refuses to pack a package (it would keep workspace: ranges); pnpm pack is the way', () => {
  const npm = spawnSync('npm', ['pack', '--dry-run'], {
    cwd: join(ROOT, 'packages', 'core'),
    env: userEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.notEqual(npm.status, 0, 'npm pack must fail');
  assert.match(`${npm.stdout}${npm.stderr}`, /packed and published with pnpm/);
});

// The two apps install and run side by side: each install compiles better-sqlite3 on one core.
describe('installed apps', { concurrency: 2 }, () => {
  it('npm app: install, then smoke, LangGraph resume, LMDB open race, CLI', { timeout: 30 * 60_000 }, async () => {
    const app = makeApp('npm', { overrides: tarballOverrides() });
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      timeout: INSTALL_TIMEOUT_MS,
      label: 'npm install',
    });
    await exercise(app, 'npm');
  });

  it('pnpm 10 app: without approved builds createStore names the fix; after it, smoke, LangGraph resume, LMDB open race, CLI', {
    timeout: 30 * 60_000,
  }, async () => {
    const app = makeApp('pnpm', { pnpm: { overrides: tarballOverrides() } });
    await run('npx', [...PNPM, 'install', '--no-frozen-lockfile', '--prefer-offline'], {
      cwd: app,
      timeout: INSTALL_TIMEOUT_MS,
      label: 'pnpm install (builds not approved)',
    });
    await runScript(app, 'unbuilt-sqlite.mjs', [join(app, 'data-unbuilt'), 'unbuilt'], 'pnpm, builds not approved: createStore');
    // What the message and the README say: approve the builds (non-interactively: onlyBuiltDependencies),
    // then rebuild them. An app that lists them before its first install gets the same builds then.
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    // pnpm matches a dependency installed from a tarball by its full spec (registry users list the name).
    pkg.pnpm.onlyBuiltDependencies = [...APPROVED_BUILDS, `@agentstore/adapter-lmdb@${tarballSpec('@agentstore/adapter-lmdb')}`];
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    await run('npx', [...PNPM, 'rebuild', ...APPROVED_BUILDS], { cwd: app, timeout: INSTALL_TIMEOUT_MS, label: 'pnpm rebuild (approved)' });
    await runScript(app, 'unbuilt-sqlite.mjs', [join(app, 'data-unbuilt'), 'rebuilt'], 'pnpm, builds approved: createStore');
    await exercise(app, 'pnpm');
  });
});
