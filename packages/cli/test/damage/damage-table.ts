import { readFile, rm, stat } from 'node:fs/promises';
import { fileIn, flipAt, middleOf, middlePage, remove, truncateHalf } from './faults.js';

/** Adapters whose files the table damages. */
export type DamagedAdapter = 'sqlite' | 'lmdb' | 'level';

/**
 * Where the entries are before the damage: `written` is the store as its writer closed it (LevelDB:
 * every entry still in the log), `reopened` after one more open and close (LevelDB: in a table).
 */
export type Base = 'written' | 'reopened';

/** What reading every entry through the library must give. */
export type ReadExpectation =
  | { readonly code: 'CORRUPT' }
  /** Damage the engine cannot see: the damaged value decodes to another value, or fails to decode. */
  | { readonly undetected: 'content' }
  /** Damage the engine cannot see, and the scan ends early without an error: only doctor finds it. */
  | { readonly undetected: 'entries' };

/** One row: a fault made to one adapter's files and what must follow. */
export interface DamageCase {
  readonly adapter: DamagedAdapter;
  readonly base: Base;
  /** The fault, as the README table names it. */
  readonly fault: string;
  /** Damages the files in `dir` (the adapter's directory under dataDir). */
  readonly apply: (dir: string) => Promise<void>;
  readonly read: ReadExpectation;
  /** Whether `agentstore doctor` must exit 3 and name the damage (else it finds nothing). */
  readonly doctorFinds: boolean;
}

/** The string in every value the table's stores hold. */
export const VALUE_PAD = 'x'.repeat(100);
/**
 * The pad of the one value written last, after every other commit: the only copy of these bytes in
 * the files (stale page copies hold the other pads), so a flip inside it reaches a live value.
 */
export const MARKED_PAD = 'y'.repeat(100);

/** Where a flip inside a value starts: 32 bytes from either end of the 100-byte pad. */
const INSIDE_PAD = 34;
const LMDB_LEAF = 0x02;
/** SQLite b-tree page types (interior/leaf, index/table). */
const SQLITE_BTREE = new Set([0x02, 0x05, 0x0a, 0x0d]);

async function lmdbPageSize(file: string): Promise<number> {
  return (await readFile(file)).readUInt32LE(24 + 24);
}

/** The meta page LMDB will use (the higher txnid), as a file offset. */
async function liveMeta(file: string): Promise<number> {
  const bytes = await readFile(file);
  const size = bytes.readUInt32LE(48);
  return bytes.readBigUInt64LE(size + 24 + 128) > bytes.readBigUInt64LE(24 + 128) ? size : 0;
}

/** A kill -9 leaves no close stamp (`AGENTSTORE-CLOSED`); then `fault`. */
async function afterCrash(dir: string, fault: () => Promise<void>): Promise<void> {
  await rm(`${dir}/AGENTSTORE-CLOSED`, { force: true });
  await fault();
}

const db = (dir: string): string => `${dir}/agentstore.db`;
const mdb = (dir: string): string => `${dir}/data.mdb`;

/** The table: every fault of issue 14 on every adapter that keeps files. */
export const DAMAGE_CASES: readonly DamageCase[] = [
  {
    adapter: 'sqlite',
    base: 'written',
    fault: 'truncate agentstore.db to half',
    apply: (d) => truncateHalf(db(d)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'sqlite',
    base: 'written',
    fault: 'flip bytes 0–31 (file header)',
    apply: (d) => flipAt(db(d), 0),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'sqlite',
    base: 'written',
    fault: 'flip the first 32 bytes of a b-tree page in the second half',
    apply: async (d) => flipAt(db(d), await middlePage(db(d), 4096, (p) => SQLITE_BTREE.has(p[0] as number))),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'sqlite',
    base: 'written',
    fault: 'flip 32 bytes inside a stored value',
    apply: async (d) => flipAt(db(d), (await middleOf(db(d), Buffer.from(MARKED_PAD), 0)) + INSIDE_PAD),
    read: { undetected: 'content' },
    doctorFinds: false,
  },
  {
    adapter: 'sqlite',
    base: 'written',
    fault: 'delete agentstore.db',
    apply: (d) => remove(db(d)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },

  {
    adapter: 'lmdb',
    base: 'written',
    fault: 'truncate data.mdb to half',
    apply: (d) => truncateHalf(mdb(d)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'lmdb',
    base: 'written',
    fault: 'flip bytes 0–31 (meta page 0 header, magic)',
    apply: (d) => flipAt(mdb(d), 0),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'lmdb',
    base: 'written',
    fault: "flip the live meta's last page and txnid",
    apply: async (d) => flipAt(mdb(d), (await liveMeta(mdb(d))) + 24 + 120),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'lmdb',
    base: 'written',
    fault: 'flip the first 32 bytes (page header) of a leaf page in the second half',
    apply: async (d) => {
      const size = await lmdbPageSize(mdb(d));
      await flipAt(mdb(d), await middlePage(mdb(d), size, (p) => (p.readUInt16LE(18) & LMDB_LEAF) !== 0 && p.readUInt16LE(18) < 0x100));
    },
    read: { undetected: 'entries' },
    doctorFinds: true,
  },
  {
    adapter: 'lmdb',
    base: 'written',
    fault: 'flip 32 bytes inside a stored value',
    apply: async (d) => flipAt(mdb(d), (await middleOf(mdb(d), Buffer.from(MARKED_PAD), 0)) + INSIDE_PAD),
    read: { undetected: 'content' },
    doctorFinds: false,
  },
  {
    adapter: 'lmdb',
    base: 'written',
    fault: 'delete data.mdb',
    apply: (d) => remove(mdb(d)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },

  {
    adapter: 'level',
    base: 'written',
    fault: 'truncate the log (NNNNNN.log, every entry) to half',
    apply: async (d) => truncateHalf(await fileIn(d, /\.log$/)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'truncate the table (NNNNNN.ldb, every entry) to half',
    apply: async (d) => truncateHalf(await fileIn(d, /\.ldb$/)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'flip bytes 0–31 of the table (its first block)',
    apply: async (d) => flipAt(await fileIn(d, /\.ldb$/), 0),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'written',
    fault: 'flip 32 bytes in the middle of the log',
    apply: async (d) => {
      const log = await fileIn(d, /\.log$/);
      await flipAt(log, await middleOf(log, Buffer.from(VALUE_PAD)));
    },
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'flip 32 bytes in the middle of the table',
    apply: async (d) => {
      const table = await fileIn(d, /\.ldb$/);
      const { size } = await stat(table);
      await flipAt(table, Math.floor(size / 2));
    },
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'written',
    fault: 'delete the log',
    apply: async (d) => remove(await fileIn(d, /\.log$/)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'delete the table',
    apply: async (d) => remove(await fileIn(d, /\.ldb$/)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'delete CURRENT',
    apply: (d) => remove(`${d}/CURRENT`),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'delete MANIFEST-NNNNNN',
    apply: async (d) => remove(await fileIn(d, /^MANIFEST-/)),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  // After a kill -9 there is no close stamp: what LevelDB itself finds.
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'after a crash (no close stamp): truncate the table to half',
    apply: async (d) => afterCrash(d, async () => truncateHalf(await fileIn(d, /\.ldb$/))),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'after a crash (no close stamp): delete the table',
    apply: async (d) => afterCrash(d, async () => remove(await fileIn(d, /\.ldb$/))),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'reopened',
    fault: 'after a crash (no close stamp): delete MANIFEST-NNNNNN',
    apply: async (d) => afterCrash(d, async () => remove(await fileIn(d, /^MANIFEST-/))),
    read: { code: 'CORRUPT' },
    doctorFinds: true,
  },
  {
    adapter: 'level',
    base: 'written',
    fault: 'after a crash (no close stamp): truncate the log to half',
    apply: async (d) => afterCrash(d, async () => truncateHalf(await fileIn(d, /\.log$/))),
    // Indistinguishable from an OS crash losing the log's unsynced tail (SPEC §7 allows that).
    read: { undetected: 'entries' },
    doctorFinds: false,
  },
];
