import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterInstance, DomainBackend, DomainOptions, Durability } from '@agentstore/core/spi';
import { type LevelOptions, levelAdapter } from '../src/index.js';
import { DEFAULT_LEVEL_OPTIONS, type ResolvedLevelOptions } from '../src/options.js';

/**
 * Common options as core would merge them, plus level options over their defaults (not validated:
 * the tests also hand the adapter what core's parse would have refused).
 */
export function domainOptions(extra: LevelOptions & { durability?: Durability } = {}): DomainOptions<ResolvedLevelOptions> {
  return {
    durability: 'balanced',
    counters: 'durable',
    counterFlushMs: 1000,
    maxValueBytes: 64 * 1024 * 1024,
    ...DEFAULT_LEVEL_OPTIONS,
    ...(extra as Partial<ResolvedLevelOptions>),
  };
}

/** Fresh temp dataDirs, removed by `cleanup`. */
export class TempDirs {
  readonly #dirs: string[] = [];
  make(): string {
    const dir = mkdtempSync(join(tmpdir(), 'agentstore-level-'));
    this.#dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens an adapter instance and one domain backend. */
export async function openDomain(
  dataDir: string,
  domain: string,
  extra: LevelOptions & { durability?: Durability } = {},
): Promise<{ instance: AdapterInstance<ResolvedLevelOptions>; backend: DomainBackend }> {
  const instance = await levelAdapter.open({ dataDir });
  const backend = await instance.domain(domain, domainOptions(extra));
  return { instance, backend };
}

/** Bytes from numbers. */
export const b = (...bytes: number[]) => new Uint8Array(bytes);

/** Plain arrays of a range's entries, for comparisons. */
export async function collect(iterable: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<Array<[number[], number[]]>> {
  const out: Array<[number[], number[]]> = [];
  for await (const [key, value] of iterable) out.push([[...key], [...value]]);
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');

/** Starts a fixture script in a child Node process (TypeScript sources via tsx). */
export function startFixture(name: string, args: string[]) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', name), ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': 'exit' can come before the child's last output is read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => stdout,
    errors: () => stderr,
    /** Resolves with the first stdout line (rejects if the child exits first). */
    async firstLine(): Promise<string> {
      for (;;) {
        const newline = stdout.indexOf('\n');
        if (newline >= 0) return stdout.slice(0, newline);
        const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 10)).then(() => false)]);
        if (done && !stdout.includes('\n')) throw new Error(`fixture ${name} exited without output: ${stderr}`);
      }
    },
  };
}
