/**
 * The backend's own integrity check after a crash run, plus a full read of everything through the
 * store API: every domain the adapter lists, every key, every value decoded.
 *
 * - SQLite: `PRAGMA integrity_check` on every database file under dataDir, opened read-only with
 *   better-sqlite3 directly (the very module, and so the very SQLite build, the adapter loads: it is
 *   resolved from the adapter's package, so this package needs no dependency of its own on it).
 * - LMDB: the adapter's own `check()` (what `agentstore doctor` runs): a structural walk of every tree
 *   of every environment under the store, with plain reads.
 * - LevelDB has no such check a reader can run on a live location; for it (and the others too) the
 *   full read is the check: an unreadable page, a torn record or an undecodable value fails it.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import type { Store } from '@agentstore/core';
import { REPO_ROOT } from './paths.js';
import { type StoreTarget, withStore } from './stores.js';

/** What the integrity step found. */
export interface IntegrityReport {
  /** The engine check that ran (`PRAGMA integrity_check` on n files), or `none`. */
  readonly engineCheck: string;
  /** Every line the engine check returned other than `ok`. */
  readonly engineFaults: string[];
  /** Domains read in full. */
  readonly domains: number;
  /** Records read and decoded (kv entries, checkpoints with their data, journal entries). */
  readonly records: number;
  /** Reads that failed or returned something malformed. */
  readonly readFaults: string[];
}

interface ReadOnlyDb {
  prepare(sql: string): { all(): Array<Record<string, unknown>> };
  close(): void;
}
type DatabaseCtor = new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => ReadOnlyDb;

function sqliteFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sqliteFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.db')) out.push(path);
  }
  return out;
}

/** `PRAGMA integrity_check` on every `*.db` file under `dataDir`; the non-`ok` lines. */
export function sqliteIntegrityCheck(dataDir: string): { files: number; faults: string[] } {
  const Database = createRequire(join(REPO_ROOT, 'packages', 'adapter-sqlite', 'package.json'))('better-sqlite3') as DatabaseCtor;
  const files = sqliteFiles(dataDir);
  const faults: string[] = [];
  for (const file of files) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      for (const row of db.prepare('PRAGMA integrity_check').all()) {
        const line = String(Object.values(row)[0]);
        if (line !== 'ok') faults.push(`${file}: ${line}`);
      }
    } finally {
      db.close();
    }
  }
  return { files: files.length, faults };
}

/** Reads every domain of `store` in full through its kind's API; counts records, collects faults. */
export async function readEverything(store: Store): Promise<Pick<IntegrityReport, 'domains' | 'records' | 'readFaults'>> {
  const readFaults: string[] = [];
  let records = 0;
  const stats = await store.stats();
  for (const { domain, kind } of stats) {
    try {
      if (kind === 'kv') {
        for await (const [key, value] of store.kv<unknown>(domain).entries()) {
          if (key === undefined || value === undefined) readFaults.push(`${domain}: entry ${JSON.stringify(key)} reads as undefined`);
          records++;
        }
      } else if (kind === 'checkpoints') {
        const checkpoints = store.checkpoints(domain);
        for (const trace of await checkpoints.traces()) {
          for (const info of await checkpoints.list(trace)) {
            const blob = await checkpoints.load(info.id);
            if (blob === undefined) readFaults.push(`${domain}: listed checkpoint ${info.id} cannot be loaded`);
            else if (!(blob.data instanceof Uint8Array) || blob.data.length !== info.size || blob.seq !== info.seq) {
              readFaults.push(`${domain}: checkpoint ${info.id} does not match its listing`);
            }
            records++;
          }
        }
      } else if (kind === 'journal') {
        const journal = store.journal(domain);
        for (const stream of await journal.streams()) records += (await journal.read(stream)).length;
      } else if (kind === 'snapshots') {
        if ((await store.snapshots(domain).get()) !== undefined) records++;
      } else if (kind !== undefined) {
        readFaults.push(`${domain}: kind ${kind} is not covered by the full read`);
      }
    } catch (error) {
      readFaults.push(`${domain}: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
    }
  }
  return { domains: stats.length, records, readFaults };
}

/** The engine check for the target's adapter (by engine: the check is the engine's own), then the full read. */
export async function checkIntegrity(target: StoreTarget, adapterName: string): Promise<IntegrityReport> {
  let engineCheck = 'none';
  let engineFaults: string[] = [];
  if (adapterName === 'sqlite') {
    const { files, faults } = sqliteIntegrityCheck(target.dataDir);
    engineCheck = `PRAGMA integrity_check on ${files} file${files === 1 ? '' : 's'}`;
    engineFaults = faults;
  } else if (adapterName === 'lmdb') {
    const instance = await lmdbAdapter.open({ dataDir: target.dataDir });
    try {
      engineFaults = (await instance.check?.()) ?? [];
    } finally {
      await instance.close();
    }
    engineCheck = 'structural walk of data.mdb (adapter check())';
  }
  const read = await withStore(target, readEverything);
  return { engineCheck, engineFaults, ...read };
}
