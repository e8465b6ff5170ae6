/**
 * An engine whose native addon was never built (pnpm 10 runs no dependency build script until it is
 * approved) must fail `createStore` with UNSUPPORTED naming the package and the command that builds
 * it — not IO "Could not locate the bindings file" at the first write. The child runs the real adapter
 * against a real copy of the engine package without its addon (build/ and prebuilds/ left out), so the
 * engine's own loader fails exactly as it does after such an install.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childScript, REPO_ROOT } from './harness/paths.js';
import { TempDirs } from './harness/temp-dirs.js';

interface Outcome {
  readonly written?: boolean;
  readonly stage?: string;
  readonly code?: string;
  readonly message?: string;
}

interface Engine {
  readonly adapterPackage: string;
  readonly exportName: string;
  readonly enginePackage: string;
  /** Engine files that hold or produce the native addon: left out of the copy. */
  readonly addonDirs: readonly string[];
}

const engines: Engine[] = [
  {
    adapterPackage: '@agentstore/adapter-sqlite',
    exportName: 'sqliteAdapter',
    enginePackage: 'better-sqlite3',
    addonDirs: ['build', 'deps', 'src'],
  },
  {
    adapterPackage: '@agentstore/adapter-level',
    exportName: 'levelAdapter',
    enginePackage: 'classic-level',
    addonDirs: ['build', 'prebuilds', 'deps'],
  },
];

const dirs = new TempDirs();
afterEach(() => dirs.removeAll());

/** The engine package as the adapter resolves it, copied without its addon; its dependencies linked beside it. */
function engineWithoutAddon(engine: Engine): string {
  const adapterDir = join(REPO_ROOT, 'packages', engine.adapterPackage.replace('@agentstore/', ''));
  const real = dirname(realpathSync(createRequire(join(adapterDir, 'package.json')).resolve(`${engine.enginePackage}/package.json`)));
  const modules = join(dirs.make('unbuilt'), 'node_modules');
  const copy = join(modules, engine.enginePackage);
  cpSync(real, copy, { recursive: true, filter: (src) => !engine.addonDirs.some((d) => src === join(real, d)) });
  // pnpm puts a package's dependencies beside it in the store: link them beside the copy too.
  for (const dep of readdirSync(dirname(real))) {
    if (dep !== engine.enginePackage && !dep.startsWith('.')) symlinkSync(join(dirname(real), dep), join(modules, dep));
  }
  return createRequire(join(copy, 'package.json')).resolve(engine.enginePackage);
}

function openInChild(engine: Engine, dataDir: string, redirectTo?: string): Outcome {
  const out = execFileSync(
    process.execPath,
    [
      ...(redirectTo ? ['--require', childScript('redirect-require.cjs')] : []),
      '--conditions=source',
      '--import',
      'tsx',
      childScript('open-store.ts'),
      dataDir,
      engine.adapterPackage,
      engine.exportName,
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, AGENTSTORE_REDIRECT_NAME: engine.enginePackage, AGENTSTORE_REDIRECT_TO: redirectTo ?? '' },
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Outcome;
}

describe.each(engines)('$adapterPackage with $enginePackage unbuilt', (engine) => {
  it('createStore fails with UNSUPPORTED naming the package and the commands that build it; nothing is written', {
    timeout: 120_000,
  }, () => {
    // Control: the same child with the installed engine opens and writes, so the failure below is the addon's.
    expect(openInChild(engine, join(dirs.make('built'), 'data'))).toEqual({ written: true });

    const unbuilt = engineWithoutAddon(engine);
    const dataDir = join(dirs.make('store'), 'data');
    mkdirSync(dataDir);
    const outcome = openInChild(engine, dataDir, unbuilt);
    expect(outcome.stage).toBe('createStore');
    expect(outcome.code).toBe('UNSUPPORTED');
    expect(outcome.message).toContain(engine.adapterPackage);
    expect(outcome.message).toContain(`npm rebuild ${engine.enginePackage}`);
    expect(outcome.message).toContain('pnpm approve-builds');
    expect(outcome.message).toContain('onlyBuiltDependencies');
    expect(outcome.message).toContain(`pnpm rebuild ${engine.enginePackage}`);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(existsSync(unbuilt)).toBe(true);
  });
});
