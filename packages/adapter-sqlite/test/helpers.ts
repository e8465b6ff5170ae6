import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterInstance, Bytes, DomainBackend, DomainOptions, Durability } from '@agentstore/core/spi';
import { type SqliteOptions, sqliteAdapter } from '../src/index.js';
import { DEFAULT_SQLITE_OPTIONS, type ResolvedSqliteOptions } from '../src/options.js';

/** Bytes from byte values. */
export const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

/** A 4-byte big-endian counter value. */
export const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};

/** Reads a 4-byte big-endian counter value (0 when absent). */
export const readU32 = (bytes: Bytes | undefined): number =>
  bytes === undefined ? 0 : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);

/** Plain arrays of byte values, for readable assertions. */
export const plain = (entries: ReadonlyArray<readonly [Bytes, Bytes]>): number[][][] => entries.map(([k, v]) => [[...k], [...v]]);

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Merged domain options as core hands them to the adapter (`own` over the defaults, not validated). */
export function domainOptions(own: SqliteOptions = {}, durability: Durability = 'balanced'): DomainOptions<ResolvedSqliteOptions> {
  return {
    durability,
    counters: 'durable',
    counterFlushMs: 1000,
    maxValueBytes: 64 * 1024 * 1024,
    ...DEFAULT_SQLITE_OPTIONS,
    ...(own as Partial<ResolvedSqliteOptions>),
  };
}

/** A fresh data directory, removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-sqlite-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens the adapter on `dir`. */
export function openAdapter(dir: string): Promise<AdapterInstance<ResolvedSqliteOptions>> {
  return sqliteAdapter.open({ dataDir: dir });
}

/** Opens one domain of a fresh adapter instance. */
export async function openDomain(
  instance: AdapterInstance<ResolvedSqliteOptions>,
  domain = 'test',
  own: SqliteOptions = {},
  durability: Durability = 'balanced',
): Promise<DomainBackend> {
  return instance.domain(domain, domainOptions(own, durability));
}
