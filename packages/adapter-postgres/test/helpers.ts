import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AdapterInstance, Bytes, DomainOptions, Durability } from '@agentstore/core/spi';
import { type PostgresOptions, postgresAdapter } from '../src/index.js';
import { postgresOptionsSchema, type ResolvedPostgresOptions } from '../src/options.js';
import { dropSchema, PG_URL } from './pg-env.js';

/** Bytes from byte values. */
export const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

/** Plain arrays of byte values, for readable assertions. */
export const plain = (entries: ReadonlyArray<readonly [Bytes, Bytes]>): number[][][] => entries.map(([k, v]) => [[...k], [...v]]);

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Merged domain options as core hands them to the adapter (`own` over the defaults, not validated). */
export function domainOptions(own: PostgresOptions, durability: Durability = 'balanced'): DomainOptions<ResolvedPostgresOptions> {
  const defaults = postgresOptionsSchema.parse({});
  return {
    durability,
    counters: 'durable',
    counterFlushMs: 1000,
    maxValueBytes: 64 * 1024 * 1024,
    ...defaults,
    ...(own as Partial<ResolvedPostgresOptions>),
  };
}

/** A fresh dataDir and a schema named after it; `cleanup` drops the schema and removes the dir. */
export function tempTarget(tag: string): { dataDir: string; schema: string; options: PostgresOptions; cleanup: () => Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), `agentstore-pg-${tag}-`));
  const schema = `t_${basename(dataDir)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  return {
    dataDir,
    schema,
    options: { connectionString: PG_URL, schema },
    cleanup: async () => {
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the adapter on `dataDir`. */
export function openAdapter(dataDir: string): Promise<AdapterInstance<ResolvedPostgresOptions>> {
  return postgresAdapter.open({ dataDir });
}

const CHILD = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));

/** A worker process speaking the line protocol of fixtures/child.ts. */
export interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** The next message of type `t` (an `error` message rejects). */
  take<M = Record<string, unknown>>(t: string, timeoutMs?: number): Promise<M>;
  send(line: string): void;
  exited: Promise<number | null>;
}

/** Spawns fixtures/child.ts with `params` (JSON), running the TypeScript sources through tsx. */
export function spawnChild(params: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, JSON.stringify(params)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const inbox: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  proc.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      inbox.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  // 'close', not 'exit': 'exit' can come before the last lines the child wrote are read from its
  // stdout (a child that sends `done` and exits at once was then taken for one that never sent it).
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  void exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    proc,
    exited,
    send: (line) => proc.stdin.write(`${line}\n`),
    async take<M>(t: string, timeoutMs = 60_000): Promise<M> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = inbox.findIndex((m) => m.t === t || m.t === 'error');
        if (at >= 0) {
          const message = inbox.splice(at, 1)[0] as Record<string, unknown>;
          if (message.t === 'error') throw new Error(`child failed: ${JSON.stringify(message)} ${stderr}`);
          return message as M;
        }
        if (gone) throw new Error(`child exited before sending ${t}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${t} from child: ${stderr}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

/** Kills children still running (test teardown). */
export function killAll(children: readonly Child[]): void {
  for (const child of children) if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
}
