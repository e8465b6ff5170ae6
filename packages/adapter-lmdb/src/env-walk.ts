import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { envFault } from './env-check.js';

/**
 * A full structural walk of an LMDB `data.mdb` with plain reads (never mmap, so damage cannot crash
 * the process). LMDB keeps no checksums, and a flipped page header makes it skip the rest of a page
 * or a subtree silently (32 flipped bytes at the start of a leaf page: a scan of 2,000 entries
 * stopped after 393, no error). What the walk checks: every page of the live snapshot's trees (free
 * list, main database, each named database) names itself, is a branch, leaf or overflow page as its
 * parent says, has its node table and nodes inside the page, and is reached exactly once; the leaves
 * are all at the recorded depth; and each tree's page and entry counts equal those in its record.
 * Flipped bytes inside keys or values leave the structure intact and are not found here (core's
 * decode finds some of them). Layout: see `env-check.ts`.
 */

const PAGE_HEADER = 24;
const NODE_HEADER = 8;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const DB_RECORD = 48;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;
/** Faults listed per environment before the walk stops looking. */
const MAX_FAULTS = 20;

/** A tree's record (`MDB_db`): what its pages must add up to. */
interface TreeRecord {
  readonly depth: number;
  readonly branch: bigint;
  readonly leaf: bigint;
  readonly overflow: bigint;
  readonly entries: bigint;
  readonly root: bigint;
}

function readRecord(bytes: Buffer, at: number): TreeRecord {
  return {
    depth: bytes.readUInt16LE(at + 6),
    branch: bytes.readBigUInt64LE(at + 8),
    leaf: bytes.readBigUInt64LE(at + 16),
    overflow: bytes.readBigUInt64LE(at + 24),
    entries: bytes.readBigUInt64LE(at + 32),
    root: bytes.readBigUInt64LE(at + 40),
  };
}

class Walker {
  readonly faults: string[] = [];
  readonly #seen = new Set<bigint>();
  readonly #fd: number;
  readonly #pageSize: number;
  readonly #lastPage: bigint;

  constructor(fd: number, pageSize: number, lastPage: bigint) {
    this.#fd = fd;
    this.#pageSize = pageSize;
    this.#lastPage = lastPage;
  }

  get full(): boolean {
    return this.faults.length >= MAX_FAULTS;
  }

  #page(pgno: bigint): Buffer | undefined {
    const page = Buffer.alloc(this.#pageSize);
    const n = readSync(this.#fd, page, 0, this.#pageSize, Number(pgno) * this.#pageSize);
    return n === this.#pageSize ? page : undefined;
  }

  /** Marks `pgno` (and `count - 1` pages after it) used; false with a fault if any is out of range or seen. */
  #claim(tree: string, pgno: bigint, count = 1n): boolean {
    if (pgno < 2n || pgno + count - 1n > this.#lastPage) {
      this.faults.push(`${tree}: page ${pgno} is outside pages 2..${this.#lastPage}`);
      return false;
    }
    for (let p = pgno; p < pgno + count; p++) {
      if (this.#seen.has(p)) {
        this.faults.push(`${tree}: page ${p} is reached twice`);
        return false;
      }
      this.#seen.add(p);
    }
    return true;
  }

  /** Walks one tree and compares what it found with the tree's record. */
  tree(name: string, record: TreeRecord, onLeafNode?: (key: Buffer, flags: number, data: Buffer) => void): void {
    if (record.root === NO_PAGE) {
      if (record.entries !== 0n) this.faults.push(`${name}: no root page but ${record.entries} entries recorded`);
      return;
    }
    const counts = { branch: 0n, leaf: 0n, overflow: 0n, entries: 0n };
    this.#node(name, record.root, 1, record.depth, counts, onLeafNode);
    if (this.full) return;
    for (const key of ['branch', 'leaf', 'overflow', 'entries'] as const) {
      if (counts[key] !== record[key]) this.faults.push(`${name}: ${counts[key]} ${key} found, ${record[key]} recorded`);
    }
  }

  #node(
    tree: string,
    pgno: bigint,
    level: number,
    depth: number,
    counts: { branch: bigint; leaf: bigint; overflow: bigint; entries: bigint },
    onLeafNode?: (key: Buffer, flags: number, data: Buffer) => void,
  ): void {
    if (this.full || !this.#claim(tree, pgno)) return;
    const page = this.#page(pgno);
    if (!page) return void this.faults.push(`${tree}: page ${pgno} is past the end of the file`);
    const flags = page.readUInt16LE(18);
    const kind = flags & (P_BRANCH | P_LEAF | P_OVERFLOW);
    const wanted = level < depth ? P_BRANCH : P_LEAF;
    if (page.readBigUInt64LE(0) !== pgno || kind !== wanted) {
      return void this.faults.push(
        `${tree}: page ${pgno} has a bad header (a ${wanted === P_LEAF ? 'leaf' : 'branch'} page was expected at level ${level} of ${depth})`,
      );
    }
    const lower = page.readUInt16LE(20);
    const upper = page.readUInt16LE(22);
    const room = this.#pageSize - PAGE_HEADER;
    if (lower % 2 !== 0 || lower > upper || upper > room)
      return void this.faults.push(`${tree}: page ${pgno} has free-space bounds ${lower}..${upper}`);
    const count = lower >> 1;
    if (count === 0 && wanted === P_BRANCH) return void this.faults.push(`${tree}: branch page ${pgno} is empty`);
    if (wanted === P_BRANCH) counts.branch++;
    else counts.leaf++;
    for (let i = 0; i < count && !this.full; i++) {
      const at = page.readUInt16LE(PAGE_HEADER + 2 * i) + PAGE_HEADER;
      if (at < PAGE_HEADER + upper || at + NODE_HEADER > this.#pageSize)
        return void this.faults.push(`${tree}: page ${pgno} node ${i} is outside the page`);
      const lo = page.readUInt16LE(at);
      const hi = page.readUInt16LE(at + 2);
      const nodeFlags = page.readUInt16LE(at + 4);
      const keySize = page.readUInt16LE(at + 6);
      const keyEnd = at + NODE_HEADER + keySize;
      if (keyEnd > this.#pageSize) return void this.faults.push(`${tree}: page ${pgno} node ${i} has a key past the page end`);
      if (wanted === P_BRANCH) {
        // A branch node's lo, hi and flags hold the child's page number (low, middle, top 16 bits).
        const child = BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nodeFlags) << 32n);
        this.#node(tree, child, level + 1, depth, counts, onLeafNode);
        continue;
      }
      counts.entries++;
      const size = lo | (hi << 16);
      if (nodeFlags & F_DUPDATA)
        return void this.faults.push(`${tree}: page ${pgno} node ${i} has duplicate data (agentstore never writes it)`);
      if (nodeFlags & F_BIGDATA) {
        if (keyEnd + 8 > this.#pageSize) return void this.faults.push(`${tree}: page ${pgno} node ${i} is cut off`);
        this.#overflow(tree, page.readBigUInt64LE(keyEnd), size, counts);
        continue;
      }
      if (keyEnd + size > this.#pageSize) return void this.faults.push(`${tree}: page ${pgno} node ${i} has a value past the page end`);
      onLeafNode?.(page.subarray(at + NODE_HEADER, keyEnd), nodeFlags, page.subarray(keyEnd, keyEnd + size));
    }
  }

  #overflow(tree: string, pgno: bigint, size: number, counts: { overflow: bigint }): void {
    const pages = BigInt(Math.floor((PAGE_HEADER - 1 + size) / this.#pageSize) + 1);
    if (!this.#claim(tree, pgno, pages)) return;
    const page = this.#page(pgno);
    if (
      !page ||
      page.readBigUInt64LE(0) !== pgno ||
      (page.readUInt16LE(18) & P_OVERFLOW) === 0 ||
      BigInt(page.readUInt32LE(20)) !== pages
    ) {
      return void this.faults.push(`${tree}: overflow page ${pgno} (${pages} pages for ${size} bytes) has a bad header`);
    }
    counts.overflow += pages;
  }
}

/**
 * Every structural fault of the environment in `dir` (empty when it is sound, or has no data file):
 * the checks made before an open (`env-check.ts`), then a walk of every tree of the live meta.
 */
export function walkEnv(dir: string): string[] {
  const file = join(dir, 'data.mdb');
  const early = envFault(dir);
  if (early !== undefined) return early === null ? [] : [`${file}: ${early}`];
  const fd = openSync(file, 'r');
  try {
    const metas = Buffer.alloc(PAGE_HEADER + 160);
    readSync(fd, metas, 0, metas.length, 0);
    const pageSize = metas.readUInt32LE(PAGE_HEADER + 24);
    const other = Buffer.alloc(PAGE_HEADER + 160);
    readSync(fd, other, 0, other.length, pageSize);
    const live = other.readBigUInt64LE(PAGE_HEADER + 128) > metas.readBigUInt64LE(PAGE_HEADER + 128) ? other : metas;
    const walker = new Walker(fd, pageSize, live.readBigUInt64LE(PAGE_HEADER + 120));
    walker.tree('free list', readRecord(live, PAGE_HEADER + 24));
    const named: Array<[string, TreeRecord]> = [];
    walker.tree('main database', readRecord(live, PAGE_HEADER + 72), (key, flags, data) => {
      if (flags & F_SUBDATA && data.length >= DB_RECORD) named.push([key.toString('utf8').replace(/\0$/, ''), readRecord(data, 0)]);
    });
    for (const [name, record] of named) walker.tree(`database ${JSON.stringify(name)}`, record);
    return walker.faults.map((fault) => `${file}: ${fault}`);
  } finally {
    closeSync(fd);
  }
}
