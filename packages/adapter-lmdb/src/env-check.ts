import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '@agentstore/core/spi';

/**
 * Checks an LMDB environment's files before lmdb maps them. LMDB trusts its meta pages: it reads the
 * first one's magic and version, takes the second one unchecked, and maps the file as long as the
 * meta with the higher txnid says; a flipped meta or a truncated `data.mdb` then ends the process
 * with SIGSEGV/SIGBUS on the first access instead of an error. The on-disk format checked here is
 * the one of the LMDB bundled in lmdb-js 3.5.6 (`mdb.c`, 64-bit): a 24-byte page header (pgno,
 * txnid, pad, flags, lower/upper), then in pages 0 and 1 an `MDB_meta`.
 */

const DATA_FILE = 'data.mdb';
const LOCK_FILE = 'lock.mdb';
const PAGE_HEADER = 24;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_META = 0x08;
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const MIN_PAGE = 512;
const MAX_PAGE = 0x10000;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;
/** No LMDB tree is this deep (keys ≤ 1,978 bytes give a fan-out of at least 2 per branch page). */
const MAX_DEPTH = 64;
/** Bytes of a meta page read: header, MDB_meta (magic … boot_id) and some slack. */
const META_BYTES = 256;

/** One meta page as stored (offsets relative to the page start). */
interface Meta {
  readonly index: number;
  readonly pgno: bigint;
  readonly flags: number;
  readonly magic: number;
  readonly version: number;
  readonly pageSize: number;
  readonly freeRoot: bigint;
  readonly freeDepth: number;
  readonly mainRoot: bigint;
  readonly mainDepth: number;
  readonly lastPage: bigint;
  readonly txnid: bigint;
}

function readMeta(page: Buffer, index: number): Meta {
  const m = PAGE_HEADER;
  // MDB_meta: magic u32, version u32, address 8, mapsize 8, then two MDB_db of 48 bytes (pad u32,
  // flags u16, depth u16, branch/leaf/overflow pages, entries, root as u64), last_pg, txnid.
  return {
    index,
    pgno: page.readBigUInt64LE(0),
    flags: page.readUInt16LE(18),
    magic: page.readUInt32LE(m),
    version: page.readUInt32LE(m + 4) & 0xffff,
    pageSize: page.readUInt32LE(m + 24),
    freeDepth: page.readUInt16LE(m + 24 + 6),
    freeRoot: page.readBigUInt64LE(m + 24 + 40),
    mainDepth: page.readUInt16LE(m + 72 + 6),
    mainRoot: page.readBigUInt64LE(m + 72 + 40),
    lastPage: page.readBigUInt64LE(m + 120),
    txnid: page.readBigUInt64LE(m + 128),
  };
}

function readAt(fd: number, bytes: number, position: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const n = readSync(fd, buffer, 0, bytes, position);
  return buffer.subarray(0, n);
}

/** What is wrong with one meta page on its own, or undefined when it is sound. */
function metaFault(meta: Meta, fileSize: number, pageSize: number): string | undefined {
  const name = `meta page ${meta.index}`;
  if (meta.pgno !== BigInt(meta.index) || (meta.flags & P_META) === 0) return `${name} is not a meta page (bad page header)`;
  if (meta.magic !== MAGIC) return `${name} has a bad magic number 0x${meta.magic.toString(16)}`;
  if (meta.version !== DATA_VERSION) return `${name} has format version ${meta.version}, not ${DATA_VERSION}`;
  if (meta.pageSize !== pageSize) return `${name} has page size ${meta.pageSize}, meta page 0 has ${pageSize}`;
  // LMDB writes the meta of txn t into page t & 1, so the parity of a sound txnid is fixed.
  if (meta.txnid % 2n !== BigInt(meta.index) && meta.txnid !== 0n) return `${name} has txnid ${meta.txnid} of the wrong parity`;
  if (meta.lastPage < 1n) return `${name} has last page ${meta.lastPage}`;
  const needed = (meta.lastPage + 1n) * BigInt(pageSize);
  if (needed > BigInt(fileSize)) {
    return `${name} (txnid ${meta.txnid}) needs ${needed} bytes but the file has ${fileSize}: the file is truncated`;
  }
  for (const [tree, root, depth] of [
    ['free', meta.freeRoot, meta.freeDepth],
    ['main', meta.mainRoot, meta.mainDepth],
  ] as const) {
    if (root === NO_PAGE) continue;
    if (root < 2n || root > meta.lastPage) return `${name}: the ${tree} tree's root page ${root} is outside pages 2..${meta.lastPage}`;
    if (depth < 1 || depth > MAX_DEPTH) return `${name}: the ${tree} tree has depth ${depth}`;
  }
  return undefined;
}

/** What is wrong with a tree's root page (it must name itself and be a branch or leaf page). */
function rootFault(fd: number, meta: Meta, pageSize: number): string | undefined {
  for (const [tree, root] of [
    ['free', meta.freeRoot],
    ['main', meta.mainRoot],
  ] as const) {
    if (root === NO_PAGE) continue;
    const header = readAt(fd, PAGE_HEADER, Number(root) * pageSize);
    if (header.length < PAGE_HEADER) return `the ${tree} tree's root page ${root} is past the end of the file`;
    const flags = header.readUInt16LE(18);
    if (header.readBigUInt64LE(0) !== root || (flags & (P_BRANCH | P_LEAF)) === 0) {
      return `the ${tree} tree's root page ${root} (txnid ${meta.txnid}) has a bad page header`;
    }
  }
  return undefined;
}

/** The fault found in `data.mdb` (open as `fd`), or undefined. Reads two meta pages and two roots. */
function dataFault(fd: number): string | undefined {
  const first = readAt(fd, META_BYTES, 0);
  if (first.length === 0) return 'the file is empty';
  if (first.length < META_BYTES) return `the file is truncated to ${first.length} bytes`;
  const meta0 = readMeta(first, 0);
  const pageSize = meta0.pageSize;
  if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) {
    if (meta0.magic !== MAGIC) return `meta page 0 has a bad magic number 0x${meta0.magic.toString(16)}`;
    return `meta page 0 has an impossible page size ${pageSize}`;
  }
  const second = readAt(fd, META_BYTES, pageSize);
  if (second.length < META_BYTES) return `the file is truncated to ${fstatSync(fd).size} bytes (meta page 1 is missing)`;
  const meta1 = readMeta(second, 1);
  // Size after the metas: the file only grows, and pages are written before the meta naming them.
  const size = fstatSync(fd).size;
  const fault = metaFault(meta0, size, pageSize) ?? metaFault(meta1, size, pageSize);
  if (fault) return fault;
  // The meta LMDB will use: the one with the higher txnid.
  const live = meta1.txnid > meta0.txnid ? meta1 : meta0;
  return rootFault(fd, live, pageSize);
}

/**
 * Another process can be mid-way through writing a meta page, or through creating the environment
 * (LMDB creates `data.mdb` empty, then writes both metas, under a lock we cannot see from here):
 * look again, backing off, before calling it damage. Only a damaged file pays the ~0.6 s.
 */
const RETRY_MS = [10, 20, 40, 80, 160, 320];

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function deletedFault(): string {
  return `it is missing but ${LOCK_FILE} is there: the data file was deleted (to start an empty environment on purpose, delete ${LOCK_FILE} too)`;
}

/**
 * One look at the environment in `dir`: null when it has no data file yet (a new environment), the
 * fault found, or undefined when the file is fit to map.
 */
export function envFault(dir: string): string | null | undefined {
  const data = join(dir, DATA_FILE);
  if (!existsSync(data)) return existsSync(join(dir, LOCK_FILE)) ? deletedFault() : null;
  const fd = openSync(data, 'r');
  try {
    return dataFault(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses, with `CORRUPT` naming the file and the fault, an environment directory whose `data.mdb`
 * LMDB would map into a crash: bad or inconsistent meta pages, a file shorter than its live meta
 * says, a tree root that is not a tree page, or a `data.mdb` deleted while its `lock.mdb` remains
 * (LMDB would silently start an empty environment). A directory without either file is new.
 */
export function assertEnvIntact(dir: string): void {
  const data = join(dir, DATA_FILE);
  let fault: string | null | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      fault = envFault(dir);
    } catch (err) {
      throw new StoreError('IO', `lmdb: reading ${data}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    // A deleted file is not something another process is in the middle of.
    if (fault === null || fault === undefined || fault === deletedFault()) break;
    const wait = RETRY_MS[attempt];
    if (wait === undefined) break;
    sleep(wait);
  }
  if (typeof fault === 'string') throw new StoreError('CORRUPT', `lmdb: ${data} is damaged: ${fault}`);
}
