import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOADED_FROM } from './load-mode.js';

/** Where and on what a run happened, recorded with its numbers. */
export interface Machine {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly loadAverage: readonly number[];
  readonly date: string;
  readonly commit: string | undefined;
  /** True when the working tree had uncommitted changes. */
  readonly dirty: boolean | undefined;
  /** Whether the workspace packages ran as built `dist` (what users install) or as TS sources via tsx. */
  readonly loadedFrom: string;
  /** Versions of the drivers and peers measured. */
  readonly versions: Readonly<Record<string, string>>;
}

/** The repository root (packages/bench/src → ../../..). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** A dependency's version, read from its package.json next to its resolved entry point. */
function versionOf(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // keep walking up
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

/** Describes this machine and checkout. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain']);
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']),
    dirty: status === undefined ? undefined : status.length > 0,
    loadedFrom: LOADED_FROM,
    versions: Object.fromEntries(
      [
        'better-sqlite3',
        'lmdb',
        'classic-level',
        'pg',
        '@langchain/langgraph-checkpoint-sqlite',
        '@langchain/langgraph-checkpoint-postgres',
        '@langchain/langgraph-checkpoint',
      ].map((n) => [n, versionOf(n)]),
    ),
  };
}
