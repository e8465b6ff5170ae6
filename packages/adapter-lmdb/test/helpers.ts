import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterInstance, commonOptionsSchema, type DomainBackend, type DomainOptions } from '@agentstore/core/spi';
import { lmdbAdapter, lmdbOptionsSchema } from '../src/index.js';
import type { LmdbResolvedOptions } from '../src/options.js';

/** A fresh dataDir; `cleanup` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-lmdb-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Common options plus the adapter's, validated as core would before calling `domain()`. */
export function domainOptions(options: Record<string, unknown> = {}): DomainOptions<LmdbResolvedOptions> {
  const common: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) (k in commonOptionsSchema.shape ? common : own)[k] = v;
  return Object.freeze({ ...commonOptionsSchema.parse(common), ...lmdbOptionsSchema.parse(own) });
}

/** Opens the adapter on `dir`. */
export function openAdapter(dir: string): Promise<AdapterInstance<LmdbResolvedOptions>> {
  return lmdbAdapter.open({ dataDir: dir });
}

/** Opens a domain backend with the given options. */
export function backend(
  instance: AdapterInstance<LmdbResolvedOptions>,
  domain: string,
  options: Record<string, unknown> = {},
): Promise<DomainBackend> {
  return instance.domain(domain, domainOptions(options));
}

/** Bytes from numbers. */
export const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

/** Hex of bytes, for readable assertions. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
