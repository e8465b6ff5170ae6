import { readFile, writeFile } from 'node:fs/promises';
import type { StoreConfig } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { ExportHash } from '../../src/export-format.js';
import { openStore } from './stores.js';

/** The lines of an export: header, entries (raw bytes) and trailer. */
export interface ExportLines {
  readonly header: Record<string, unknown>;
  readonly entries: Array<[Uint8Array, Uint8Array]>;
}

const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Reads an export file made by `agentstore export`. */
export async function readExport(file: string): Promise<ExportLines> {
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const header = rows[0] as Record<string, unknown>;
  const entries = rows.slice(1, -1).map((row) => [bytesOf(row.k as string), bytesOf(row.v as string)] as [Uint8Array, Uint8Array]);
  return { header, entries };
}

/**
 * Writes an export with a trailer that matches its entries (count and SHA-256), whatever they hold:
 * a file whose checksum is valid but whose content is not.
 */
export async function writeExport(file: string, { header, entries }: ExportLines): Promise<void> {
  const hash = new ExportHash();
  const lines = [JSON.stringify(header)];
  for (const [key, value] of entries) {
    hash.add(key, value);
    lines.push(JSON.stringify({ k: b64(key), v: b64(value) }));
  }
  lines.push(JSON.stringify({ end: true, entries: hash.count, sha256: hash.digest() }));
  await writeFile(file, `${lines.join('\n')}\n`);
}

/** Every raw entry of `domain` (kind record included) as hex pairs, read through a fresh store. */
export async function rawContent(dataDir: string, domains: StoreConfig['domains'], domain: string): Promise<string[]> {
  const store = await openStore(dataDir, domains);
  try {
    const out: string[] = [];
    for await (const [key, value] of storeAdmin(store).entries(domain)) {
      out.push(`${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`);
    }
    return out;
  } finally {
    await store.close();
  }
}
