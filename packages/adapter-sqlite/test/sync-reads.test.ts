import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DomainBackend, StoreError, type WriteGuard } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/driver.js';
import { DEFAULT_FILE } from '../src/paths.js';
import { openAdapter, openDomain, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const A = Uint8Array.of(0x20, 0x61);
const B = Uint8Array.of(0x20, 0x62);
const guard: WriteGuard = { key: Uint8Array.of(0x00, 0x67), refuse: () => new StoreError('MOVED', 'guarded') };
const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? '-' : Buffer.from(bytes).toString('hex'));

/** Runs the pair writer in its own process; settles once it has exited. */
function writer(dir: string, rounds: number, withGuard = false): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(here, 'fixtures', 'pair-writer.mjs'),
      dir,
      String(rounds),
      ...(withGuard ? ['guard'] : []),
    ],
    { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pair-writer exited ${code}: ${err}`))));
  });
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('synchronous reads (SPI readSync/getSync/rangeSync)', () => {
  it('read one snapshot while another process commits pairs', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await openDomain(instance, 'pairs');
      let finished = false;
      const run = writer(dir, 600).finally(() => (finished = true));
      const seen = new Set<string>();
      while (!finished) {
        // Two statements and a range in one read transaction: one snapshot however the writer goes.
        const [a, b, rows] = db.readSync?.((r) => [r.get(A), r.get(B), r.range({ gte: A, lte: B })] as const, guard) ?? [];
        expect(hex(a)).toBe(hex(b));
        expect((rows ?? []).map(([, v]) => hex(v))).toEqual(a === undefined ? [] : [hex(a), hex(a)]);
        seen.add(hex(a));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await run;
      expect(seen.size).toBeGreaterThan(1);
      expect(hex(db.getSync?.(A, guard))).toBe(hex(Uint8Array.of(600 & 0xff, 600 >> 8)));
      // One range as one statement with the guard: the rows of readSync's range, newest first too.
      const both = db.rangeSync?.({ gte: A, lte: B, reverse: true }, guard) ?? [];
      expect(both.map(([k, v]) => [hex(k), hex(v)])).toEqual([
        [hex(B), hex(Uint8Array.of(600 & 0xff, 600 >> 8))],
        [hex(A), hex(Uint8Array.of(600 & 0xff, 600 >> 8))],
      ]);
      expect(db.rangeSync?.({ gte: A, lte: B, limit: 1 }, guard).map(([k]) => hex(k))).toEqual([hex(A)]);
      expect(db.rangeSync?.({ gt: B }, guard)).toEqual([]);
    } finally {
      await instance.close();
    }
  }, 60_000);

  it('a guard committed by another process refuses the next point read and snapshot read', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await openDomain(instance, 'pairs');
      expect(db.getSync?.(A, guard)).toBeUndefined();
      await writer(dir, 1, true);
      // The lone get reads value and guard in one statement; a refused one reads the guard's value for the error.
      expect(() => db.getSync?.(A, guard)).toThrow(/guarded/);
      expect(() => db.readSync?.((r) => r.get(A), guard)).toThrow(/guarded/);
      // The range statement returns no row under the guard; the refusal is read on one snapshot.
      expect(() => db.rangeSync?.({ gte: A, lte: B }, guard)).toThrow(/guarded/);
      expect(db.rangeSync?.({ gte: A, lte: B }).length).toBe(2);
      expect(hex(db.getSync?.(A))).toBe(hex(Uint8Array.of(1, 0)));
      // The point statement is made for one guard key (a literal in it): another key is its own guard.
      const fresh: DomainBackend = await openDomain(instance, 'fresh');
      await fresh.transact((tx) => {
        tx.put(A, Uint8Array.of(7));
        tx.put(guard.key, Uint8Array.of(1));
      });
      const other: WriteGuard = { key: Uint8Array.of(0x00, 0x68), refuse: () => new StoreError('BUSY', 'other') };
      expect(hex(fresh.getSync?.(A, other))).toBe(hex(Uint8Array.of(7)));
      expect(() => fresh.getSync?.(A, guard)).toThrow(/guarded/);
      expect(() => fresh.getSync?.(A, { ...guard, key: Uint8Array.from(guard.key) })).toThrow(/guarded/);
      expect(hex(fresh.getSync?.(A, other))).toBe(hex(Uint8Array.of(7)));
    } finally {
      await instance.close();
    }
  }, 60_000);
});

describe('SPI changeToken', () => {
  /** The token, which must be a number here, and the same again at once (nothing was written in between). */
  function tokenOf(db: DomainBackend): number {
    const token = db.changeToken?.();
    expect(typeof token).toBe('number');
    expect(db.changeToken?.()).toBe(token);
    return token as number;
  }

  it('stays the same while nothing is written, and changes with every write path of this process', async () => {
    const instance = await openAdapter(dir);
    const second = await openAdapter(dir);
    try {
      const db = await openDomain(instance, 'pairs');
      const fast = await openDomain(instance, 'queued', {}, 'fast');
      let token = tokenOf(db);
      db.readSync?.((r) => r.range({}));
      expect(db.getSync?.(A, guard)).toBeUndefined();
      expect(tokenOf(db)).toBe(token);
      const changed = async (write: () => Promise<unknown>): Promise<void> => {
        await write();
        const next = tokenOf(db);
        expect(next).not.toBe(token);
        token = next;
      };
      // A queued group, a lone blind put (one autocommit statement), a lone counter update (autocommit).
      await changed(() => db.transact((tx) => tx.put(A, Uint8Array.of(1))));
      await changed(() => db.transact((tx) => tx.put(B, Uint8Array.of(2)), { lone: true, blind: true }));
      await changed(() => (db.updateCounters as NonNullable<typeof db.updateCounters>)([{ key: Uint8Array.of(0x20, 0x63), by: 1 }]));
      await changed(() => db.clear());
      // Another store of this process (it shares the connection), and a write-behind batch of a
      // `fast` domain in the file once it commits.
      const other = await openDomain(second, 'pairs');
      await changed(() => other.transact((tx) => tx.put(A, Uint8Array.of(3)), { lone: true, blind: true }));
      await changed(async () => {
        await fast.transact((tx) => tx.put(A, Uint8Array.of(4)), { lone: true, blind: true });
        await instance.sync();
      });
      expect(tokenOf(db)).toBe(token);
    } finally {
      await second.close();
      await instance.close();
    }
  });

  it('changes when another connection of this process or another process commits, the guard included', async () => {
    const instance = await openAdapter(dir);
    try {
      const db = await openDomain(instance, 'pairs');
      const first = tokenOf(db);
      const raw = openDatabase(join(dir, DEFAULT_FILE), 1000);
      try {
        raw.prepare(`INSERT INTO "d_pairs" (k, v) VALUES (?, ?)`).run(A, Uint8Array.of(9));
      } finally {
        raw.close();
      }
      const afterRaw = tokenOf(db);
      expect(afterRaw).not.toBe(first);
      expect(hex(db.getSync?.(A))).toBe('09');
      await writer(dir, 1);
      const afterChild = tokenOf(db);
      expect(afterChild).not.toBe(afterRaw);
      expect(hex(db.getSync?.(A))).toBe('0100');
      await writer(dir, 0, true);
      expect(tokenOf(db)).not.toBe(afterChild);
      expect(() => db.getSync?.(A, guard)).toThrow('guarded');
    } finally {
      await instance.close();
    }
  }, 60_000);

  it('never gives one number to two files', async () => {
    const instance = await openAdapter(dir);
    try {
      const one = await openDomain(instance, 'pairs');
      const two = await openDomain(instance, 'pairs', { path: 'other.db' });
      expect(tokenOf(one)).not.toBe(tokenOf(two));
    } finally {
      await instance.close();
    }
  });
});
