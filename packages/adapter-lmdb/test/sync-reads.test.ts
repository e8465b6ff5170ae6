import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DomainBackend, StoreError, type WriteGuard } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backend, hex, openAdapter, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const A = Uint8Array.of(0x20, 0x61);
const B = Uint8Array.of(0x20, 0x62);
const guard: WriteGuard = { key: Uint8Array.of(0x00, 0x67), refuse: () => new StoreError('MOVED', 'guarded') };

/** Runs the pair writer in its own process; resolves once it has exited. */
function writer(dir: string, rounds: number, withGuard = false): { done: Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(here, 'fixtures', 'pair-writer.ts'),
      dir,
      String(rounds),
      ...(withGuard ? ['guard'] : []),
    ],
    { cwd: join(here, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pair-writer exited ${code}: ${err}`))));
  });
  return { done };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('synchronous reads (SPI readSync/getSync)', () => {
  it('read one snapshot while another process commits, and move on between event-loop turns', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await backend(instance, 'pairs');
      const run = writer(dir, 400);
      let finished = false;
      void run.done.then(
        () => (finished = true),
        () => (finished = true),
      );
      const seen = new Set<string>();
      while (!finished) {
        const [a, b] = db.readSync?.((r) => [r.get(A), r.get(B), ...r.getMany([A, B])], guard) ?? [];
        expect(hex(a ?? new Uint8Array(0))).toBe(hex(b ?? new Uint8Array(0)));
        const rows = db.readSync?.((r) => r.range({ gte: A, lte: B }), guard) ?? [];
        expect(rows.length === 0 || hex(rows[0]?.[1] as Uint8Array) === hex(rows[1]?.[1] as Uint8Array)).toBe(true);
        if (a !== undefined) seen.add(hex(a));
        await turn();
      }
      await run.done;
      // The reads did follow the writer (a snapshot that never moved would see one value).
      expect(seen.size).toBeGreaterThan(1);
      await turn();
      expect(hex(db.getSync?.(A, guard) as Uint8Array)).toBe(hex(Uint8Array.of(400 & 0xff, 400 >> 8)));
    } finally {
      await instance.close();
    }
  }, 60_000);

  it('a guard committed by another process refuses the first read after the snapshot moves', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await backend(instance, 'pairs');
      // Found absent (and remembered for this snapshot) before the other process writes it.
      expect(db.getSync?.(A, guard)).toBeUndefined();
      expect(db.getSyncTransient?.(A, guard)).toBeUndefined();
      expect(db.readSync?.((r) => r.get(A), guard)).toBeUndefined();
      await writer(dir, 1, true).done;
      await turn();
      expect(() => db.getSyncTransient?.(A, guard)).toThrow(/guarded/);
      expect(() => db.getSync?.(A, guard)).toThrow(/guarded/);
      expect(() => db.readSync?.((r) => r.get(A), guard)).toThrow(/guarded/);
      await expect(db.get(A)).resolves.toEqual(Uint8Array.of(1, 0));
    } finally {
      await instance.close();
    }
  }, 60_000);

  it('a guard committed by this process refuses the next read after the write is acknowledged', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await backend(instance, 'pairs');
      await db.transact((tx) => tx.put(A, Uint8Array.of(5)));
      // A transient read right after the commit reads the guard too (the snapshot moved): the value
      // it returns is a copy then, so the guard's read cannot have overwritten it.
      expect(db.getSyncTransient?.(A, guard)).toEqual(Uint8Array.of(5));
      expect(db.getSync?.(A, guard)).toEqual(Uint8Array.of(5));
      expect(db.getSyncTransient?.(A, guard)).toEqual(Uint8Array.of(5));
      await db.transact((tx) => tx.put(guard.key, Uint8Array.of(1)));
      expect(() => db.getSyncTransient?.(A, guard)).toThrow(/guarded/);
      expect(() => db.getSync?.(A, guard)).toThrow(/guarded/);
    } finally {
      await instance.close();
    }
  });
});

describe('changeToken (SPI)', () => {
  it('an unchanged number means an unchanged read while another process commits; it moves on with the reads', async () => {
    const instance = await openAdapter(dir);
    try {
      const db: DomainBackend = await backend(instance, 'pairs');
      const token = () => db.changeToken?.() as number;
      const read = () => hex(db.readSync?.((r) => r.get(A), guard) ?? new Uint8Array(0));
      const start = token();
      const run = writer(dir, 400);
      let finished = false;
      void run.done.then(
        () => (finished = true),
        () => (finished = true),
      );
      let same = 0;
      let moved = 0;
      let last = { token: token(), value: read() };
      while (!finished) {
        const now = { token: token(), value: read() };
        if (now.token === last.token) {
          same++;
          expect(now.value).toBe(last.value);
        } else moved++;
        last = now;
        // Microtasks keep the snapshot (and the number); a timer turn may move both.
        if (same % 3 === 0) await turn();
        else await Promise.resolve();
      }
      await run.done;
      await turn();
      expect(same).toBeGreaterThan(0);
      expect(moved).toBeGreaterThan(0);
      expect(token()).not.toBe(start);
      expect(read()).toBe(hex(Uint8Array.of(400 & 0xff, 400 >> 8)));
    } finally {
      await instance.close();
    }
  }, 60_000);

  it('changes with every commit of this process (any connection) and a clear, without a turn of the event loop', async () => {
    const instance = await openAdapter(dir);
    const other = await openAdapter(dir);
    try {
      const db: DomainBackend = await backend(instance, 'pairs');
      const twin: DomainBackend = await backend(other, 'pairs');
      const seen = new Set<number>();
      const fresh = () => {
        const t = db.changeToken?.() as number;
        expect(db.changeToken?.()).toBe(t);
        expect(seen.has(t)).toBe(false);
        seen.add(t);
      };
      fresh();
      await db.transact((tx) => tx.put(A, Uint8Array.of(1)));
      fresh();
      await twin.transact((tx) => tx.put(A, Uint8Array.of(2)));
      fresh();
      expect(db.getSync?.(A)).toEqual(Uint8Array.of(2));
      await db.clear();
      fresh();
      expect(db.getSync?.(A)).toBeUndefined();
      // Another domain of the same environment: numbers are never shared between snapshots.
      const more: DomainBackend = await backend(instance, 'more');
      await more.transact((tx) => tx.put(B, Uint8Array.of(3)));
      fresh();
    } finally {
      await other.close();
      await instance.close();
    }
  });
});
