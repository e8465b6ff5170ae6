import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeKey, StoreError } from '@agentstore/core';

/**
 * The export file (JSONL): a header line, one line per raw entry with key and value bytes in base64
 * (lossless for every kind and every value any codec wrote), then a trailer with the entry count and
 * SHA-256 of the entries, which `import` checks before it writes anything. kv user keys also carry
 * the decoded key (`key`) for people and `jq`; import ignores it.
 */
export const FORMAT = 'agentstore-export';
export const VERSION = 1;

/** The first line of an export. */
export interface ExportHeader {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly domain: string;
  readonly kind: string | null;
  readonly adapter: string;
  readonly exportedAt: string;
}

/** Hashes raw entries the way the trailer records them. */
export class ExportHash {
  readonly #hash = createHash('sha256');
  count = 0;

  add(key: Uint8Array, value: Uint8Array): void {
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(key.byteLength, 0);
    frame.writeUInt32LE(value.byteLength, 4);
    this.#hash.update(frame).update(key).update(value);
    this.count++;
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** One entry line. */
export function entryLine(key: Uint8Array, value: Uint8Array, kind: string | null): string {
  const line: Record<string, unknown> = { k: b64(key), v: b64(value) };
  if (kind === 'kv' && (key[0] ?? 0) >= 0x10) {
    try {
      line.key = decodeKey(key);
    } catch {
      // a key that does not decode is exported as bytes only; doctor reports it
    }
  }
  return JSON.stringify(line);
}

function corrupt(file: string, line: number, what: string): StoreError {
  return new StoreError('CORRUPT', `${file}:${line}: ${what}`);
}

/** A parsed export: its header and a way to stream its entries (checked against the trailer). */
export interface ExportFile {
  readonly header: ExportHeader;
  readonly entries: number;
  entriesOf(): AsyncIterable<[Uint8Array, Uint8Array]>;
}

async function* lines(file: string): AsyncIterable<[number, string]> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() !== '') yield [n, line];
  }
}

function parse(file: string, n: number, line: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw corrupt(file, n, 'not a JSON object');
  }
}

/** Reads an export fully once to check its shape, count and checksum; nothing is written yet. */
export async function openExport(file: string): Promise<ExportFile> {
  let header: ExportHeader | undefined;
  let trailer: { entries: number; sha256: string } | undefined;
  const hash = new ExportHash();
  for await (const [n, line] of lines(file)) {
    const row = parse(file, n, line);
    if (!header) {
      if (row.format !== FORMAT || row.version !== VERSION) throw corrupt(file, n, `not an ${FORMAT} v${VERSION} file`);
      header = row as unknown as ExportHeader;
      continue;
    }
    if (trailer) throw corrupt(file, n, 'data after the trailer');
    if ('end' in row) {
      if (typeof row.entries !== 'number' || typeof row.sha256 !== 'string') throw corrupt(file, n, 'malformed trailer');
      trailer = { entries: row.entries, sha256: row.sha256 };
      continue;
    }
    const [key, value] = entryOf(file, n, row);
    hash.add(key, value);
  }
  if (!header) throw new StoreError('CORRUPT', `${file}: empty file`);
  if (!trailer) throw new StoreError('CORRUPT', `${file}: no trailer (the export was cut short)`);
  if (trailer.entries !== hash.count || trailer.sha256 !== hash.digest()) {
    throw new StoreError('CORRUPT', `${file}: entries do not match the trailer (${hash.count} read, ${trailer.entries} recorded)`);
  }
  const checked = header;
  return {
    header: checked,
    entries: trailer.entries,
    async *entriesOf() {
      let first = true;
      for await (const [n, line] of lines(file)) {
        if (first) {
          first = false;
          continue;
        }
        const row = parse(file, n, line);
        if ('end' in row) return;
        yield entryOf(file, n, row);
      }
    },
  };
}

function entryOf(file: string, n: number, row: Record<string, unknown>): [Uint8Array, Uint8Array] {
  if (typeof row.k !== 'string' || typeof row.v !== 'string') throw corrupt(file, n, 'an entry needs "k" and "v" (base64)');
  return [new Uint8Array(Buffer.from(row.k, 'base64')), new Uint8Array(Buffer.from(row.v, 'base64'))];
}
