import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { storeAdmin } from '@agentstore/core/admin';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMAT, VERSION } from '../src/export-format.js';
import { startChild, startCli, waitForLine } from './support/cli.js';
import { rawContent, writeExport } from './support/export-files.js';
import { openStore, tempDir } from './support/stores.js';

/**
 * SPEC §9.1: `agentstore import --replace` swaps a domain's content atomically. A real child process
 * is killed with SIGKILL at spread points of its write phase (from the moment it says the file is
 * checked to the moment an uninterrupted run exits); on reopen the domain holds exactly the old
 * content or exactly the new, never a mix. The negative control kills a clear-then-batches replace
 * (what import did before) the same way and must see a mix, so the check can tell.
 */
const OLD = 10_000;
const NEW = 20_000; // the first 10,000 keys overwrite old ones with other values, the rest are new
const KILL_ROUNDS = 4;
const CHILD_LIMIT_MS = 90_000;
const PAD = 'x'.repeat(1000);

type Outcome = 'old' | 'new' | 'mix';

const summary: string[] = [];
afterAll(() => {
  console.log(`import --replace under SIGKILL:\n${summary.join('\n')}`);
});

function fingerprint(content: string[]): string {
  return createHash('sha256').update(content.join('\n')).digest('hex');
}

/** Waits for the child to end, killing it (and failing) past the time bound. */
async function exitOf(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode ?? child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return signal ?? code;
  } finally {
    clearTimeout(timer);
  }
}

for (const adapter of ['sqlite', 'lmdb', 'level'] as const) {
  describe(`import --replace over ${adapter}`, () => {
    it('a SIGKILL at any point of the write leaves exactly the old content or exactly the new', async () => {
      const tmp = await tempDir();
      try {
        const domains = { src: { adapter: 'sqlite' }, dst: { adapter } };
        const dataDir = join(tmp.dir, 'data');
        const config = join(tmp.dir, 'agentstore.config.json');
        const file = join(tmp.dir, 'new.jsonl');
        await writeFile(config, JSON.stringify({ dataDir, default: { adapter: 'memory' }, domains }));
        const setup = await openStore(dataDir, domains);
        await setup.kv('dst').putMany(Array.from({ length: OLD }, (_, i) => [['k', i], `old ${i} ${PAD.slice(0, 200)}`] as const));
        for (let i = 0; i < NEW; i += 5000) {
          await setup.kv('src').putMany(Array.from({ length: 5000 }, (_, j) => [['k', i + j], { i: i + j, pad: PAD }] as const));
        }
        const admin = storeAdmin(setup);
        const oldRows: Array<[Uint8Array, Uint8Array]> = [];
        for await (const row of admin.entries('dst')) oldRows.push(row);
        const newRows: Array<[Uint8Array, Uint8Array]> = [];
        for await (const row of admin.entries('src')) newRows.push(row);
        await setup.close();
        const header = {
          format: FORMAT,
          version: VERSION,
          domain: 'src',
          kind: 'kv',
          adapter: 'sqlite',
          exportedAt: new Date().toISOString(),
        };
        await writeExport(file, { header, entries: newRows });
        const oldPrint = fingerprint(await rawContent(dataDir, domains, 'dst'));
        const newPrint = fingerprint(await rawContent(dataDir, domains, 'src'));
        expect(oldPrint).not.toBe(newPrint);

        const outcome = async (): Promise<Outcome> => {
          const print = fingerprint(await rawContent(dataDir, domains, 'dst'));
          return print === oldPrint ? 'old' : print === newPrint ? 'new' : 'mix';
        };
        const restoreOld = async (): Promise<void> => {
          const store = await openStore(dataDir, domains);
          await storeAdmin(store).load(
            'dst',
            (async function* () {
              yield* oldRows;
            })(),
            { kind: 'kv', replace: true },
          );
          await store.close();
        };
        const startImport = async (): Promise<{ child: ChildProcess; checkedAt: number }> => {
          const child = startCli(['-c', config, 'import', 'dst', file, '--replace']);
          await waitForLine(child, /^checked \d+ entries .* writing them in one transaction$/, 'stderr');
          return { child, checkedAt: performance.now() };
        };

        // An uninterrupted run measures the write phase: from the "checked" line to the exit.
        const full = await startImport();
        expect(await exitOf(full.child)).toBe(0);
        const writeMs = performance.now() - full.checkedAt;
        expect(await outcome()).toBe('new');
        await restoreOld();
        expect(await outcome()).toBe('old');

        const rounds: Array<{ delayMs: number; killed: boolean; result: Outcome }> = [];
        for (let k = 0; k < KILL_ROUNDS; k++) {
          const delayMs = Math.round((writeMs * (k + 0.5)) / KILL_ROUNDS);
          const { child } = await startImport();
          await sleep(delayMs);
          const killed = child.kill('SIGKILL');
          const ended = await exitOf(child);
          const result = await outcome();
          rounds.push({ delayMs, killed: killed && ended === 'SIGKILL', result });
          if (result === 'new') await restoreOld();
        }
        summary.push(
          `  ${adapter}: write phase ${Math.round(writeMs)} ms; kills ${rounds
            .map((r) => `${r.delayMs} ms → ${r.killed ? r.result : `exited first (${r.result})`}`)
            .join(', ')}`,
        );
        expect(rounds.filter((r) => r.result === 'mix')).toEqual([]);
        expect(rounds.some((r) => r.killed && r.result === 'old')).toBe(true);

        // Negative control: the old way (clear, then batches) killed after its first batch is a mix.
        const control = startChild('replace-in-batches-child.ts', [dataDir, adapter]);
        await waitForLine(control, /^batch 2000$/);
        control.kill('SIGKILL');
        expect(await exitOf(control)).toBe('SIGKILL');
        expect(await outcome()).toBe('mix');
      } finally {
        await tmp.remove();
      }
    }, 600_000);
  });
}
