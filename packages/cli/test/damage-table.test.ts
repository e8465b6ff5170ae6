import { spawn } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAMAGE_CASES, type DamageCase, type DamagedAdapter, MARKED_PAD, VALUE_PAD } from './damage/damage-table.js';
import { CLI_DIR, cli, tsNode } from './support/cli.js';
import { openStore, tempDir } from './support/stores.js';

/**
 * SPEC §9.1 "Damaged files": for every row of `damage/damage-table.ts`, a store of ENTRIES entries on
 * one adapter is damaged, then (1) a child process opens it and reads every entry through the
 * library: it must not crash, and must get CORRUPT (or, for damage the engine cannot see, what the
 * row says), and (2) `agentstore doctor` must exit 3 and name the adapter's file, never crash. The
 * table this prints is the one in packages/cli/README.md.
 */

const ENTRIES = 2000;
const DIRS: Record<DamagedAdapter, string> = { sqlite: 'sqlite', lmdb: 'lmdb', level: 'level' };

let tmp: Awaited<ReturnType<typeof tempDir>>;
/** README rows, by case index. */
const results: string[] = [];

/** A store of ENTRIES kv entries in domain `runs` on `adapter`, closed; `reopen` opens and closes it once more. */
async function makeBase(dataDir: string, adapter: DamagedAdapter, reopen: boolean): Promise<void> {
  const store = await openStore(dataDir, { runs: { adapter } });
  const kv = store.kv('runs');
  for (let i = 0; i < ENTRIES; i += 100) {
    await kv.putMany(Array.from({ length: 100 }, (_, j) => [['r', i + j], { i: i + j, pad: VALUE_PAD }] as const));
  }
  await kv.put(['r', ENTRIES / 2], { i: ENTRIES / 2, pad: MARKED_PAD });
  await store.close();
  if (!reopen) return;
  const again = await openStore(dataDir, { runs: { adapter } });
  expect(await again.kv('runs').get(['r', 0])).toEqual({ i: 0, pad: VALUE_PAD }); // opens the adapter's files
  await again.close();
}

interface ReadResult {
  readonly entries: number;
  /** Values read whose pad is not one the store was written with. */
  readonly altered: number;
  readonly code?: string;
  readonly message?: string;
  readonly exit: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Reads every entry in a child (fixtures/damage-reader.ts). */
function readInChild(dataDir: string, adapter: DamagedAdapter): Promise<ReadResult> {
  const child = spawn(
    process.execPath,
    tsNode(join(CLI_DIR, 'test', 'fixtures', 'damage-reader.ts'), [dataDir, adapter, JSON.stringify([VALUE_PAD, MARKED_PAD])]),
    {
      cwd: CLI_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (exit, signal) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      const parsed = line.startsWith('{')
        ? (JSON.parse(line) as { entries: number; altered: number; code?: string })
        : { entries: -1, altered: -1 };
      resolve({ ...parsed, exit, signal });
    }),
  );
}

const base = (adapter: DamagedAdapter, kind: DamageCase['base']): string => join(tmp.dir, `base-${adapter}-${kind}`);

beforeAll(async () => {
  tmp = await tempDir();
  for (const adapter of ['sqlite', 'lmdb', 'level'] as const) {
    for (const kind of ['written', 'reopened'] as const) {
      if (DAMAGE_CASES.some((c) => c.adapter === adapter && c.base === kind)) {
        await makeBase(join(base(adapter, kind), 'data'), adapter, kind === 'reopened');
      }
    }
  }
}, 120_000);

afterAll(async () => {
  // The table for the README, in the order of the rows.
  const rows = results.filter((row) => row !== undefined);
  if (rows.length > 0)
    console.log(['| adapter | fault | open + read through the library | doctor |', '| --- | --- | --- | --- |', ...rows].join('\n'));
  await tmp.remove();
});

describe('damaged files (SPEC §9.1): CORRUPT from open or read, never a crash; doctor exits 3 and names the file', () => {
  // One row at a time: in parallel the rows only fight for the CPU (tried: slower on 2 cores).
  it.for(DAMAGE_CASES.map((c, i) => [`${c.adapter}: ${c.fault}`, i] as const))(
    '%s',
    { timeout: 120_000 },
    async ([, index], { expect }) => {
      const c = DAMAGE_CASES[index] as DamageCase;
      const dir = join(tmp.dir, `case-${index}`);
      await cp(base(c.adapter, c.base), dir, { recursive: true });
      const dataDir = join(dir, 'data');
      await c.apply(join(dataDir, DIRS[c.adapter]));
      const config = join(dir, 'agentstore.config.json');
      await writeFile(config, JSON.stringify({ dataDir: 'data', domains: { runs: { adapter: c.adapter } } }));

      const read = await readInChild(dataDir, c.adapter);
      // Never a crash: the child printed its line and exited by itself.
      expect(read.signal, JSON.stringify(read)).toBeNull();
      expect(read.exit, JSON.stringify(read)).toBe(0);
      if ('code' in c.read) {
        expect(read.code, JSON.stringify(read)).toBe(c.read.code);
      } else if (c.read.undetected === 'content') {
        // The flip reached the live value: it reads as another value, or fails to decode.
        if (read.code === undefined) expect(read, 'every entry back, one altered').toMatchObject({ entries: ENTRIES, altered: 1 });
        else expect(read.code, JSON.stringify(read)).toBe('DECODE');
      } else {
        expect(read.code, JSON.stringify(read)).toBeUndefined();
        expect(read.entries).toBeLessThan(ENTRIES);
      }

      // The second open (doctor after the reader) must still see it: a refusal is not forgotten.
      const doctor = await cli(['-c', config, 'doctor']);
      const faultLines = doctor.stdout.split('\n').filter((line) => line.includes('FAULT'));
      if (c.doctorFinds) {
        expect(doctor.code, doctor.stdout + doctor.stderr).toBe(3);
        expect(faultLines.join('\n')).toMatch(c.adapter === 'level' ? /level/ : c.adapter === 'lmdb' ? /data\.mdb/ : /agentstore\.db/);
      } else {
        expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
      }

      const shorten = (text: string): string => oneLine(text).replaceAll(`${dataDir}/`, '<dataDir>/');
      const readCell =
        read.code !== undefined
          ? `\`${read.code}\`: ${shorten(read.message ?? '')}`
          : `no error, ${read.entries} of ${ENTRIES} entries${read.altered > 0 ? `, ${read.altered} value altered` : ''}`;
      const doctorCell = doctor.code === 3 ? `exit 3: ${shorten(faultLines[0] ?? '')}` : `exit ${doctor.code}: no fault found`;
      results[index] = `| ${c.adapter} | ${c.fault} | ${clip(readCell)} | ${clip(doctorCell)} |`;
    },
  );
});

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string): string {
  return (text.length > 180 ? `${text.slice(0, 177)}…` : text).replaceAll('|', '\\|');
}
