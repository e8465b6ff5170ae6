import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { StoreError } from '@agentstore/core';
import { decodeKey } from '@agentstore/core/spi';

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

/** An export whose header has been read: its entries are read and checked as they are consumed. */
export interface ExportFile {
  readonly header: ExportHeader;
  /**
   * The entries in file order, each decoded from strict base64; the iteration throws `CORRUPT`
   * (naming the line and entry) on a malformed line, and at the end when the entries do not match
   * the trailer's count and SHA-256 or the trailer is missing. A consumer that writes only after the
   * iteration has ended therefore never writes a cut or altered file.
   */
  entries(): AsyncIterable<[Uint8Array, Uint8Array]>;
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

/** Reads and checks the header of an export; nothing else is read yet. */
export async function openExport(file: string): Promise<ExportFile> {
  let header: ExportHeader | undefined;
  for await (const [n, line] of lines(file)) {
    const row = parse(file, n, line);
    if (row.format !== FORMAT || row.version !== VERSION) throw corrupt(file, n, `not an ${FORMAT} v${VERSION} file`);
    if (typeof row.domain !== 'string' || (row.kind !== null && typeof row.kind !== 'string')) throw corrupt(file, n, 'malformed header');
    header = row as unknown as ExportHeader;
    break;
  }
  if (!header) throw new StoreError('CORRUPT', `${file}: empty file`);
  return { header, entries: () => readEntries(file) };
}

async function* readEntries(file: string): AsyncIterable<[Uint8Array, Uint8Array]> {
  let trailer: { entries: number; sha256: string } | undefined;
  let headerSeen = false;
  const hash = new ExportHash();
  for await (const [n, line] of lines(file)) {
    if (!headerSeen) {
      headerSeen = true; // checked by openExport
      continue;
    }
    const row = parse(file, n, line);
    if (trailer) throw corrupt(file, n, 'data after the trailer');
    if ('end' in row) {
      if (row.end !== true || !Number.isSafeInteger(row.entries) || typeof row.sha256 !== 'string')
        throw corrupt(file, n, 'malformed trailer');
      trailer = { entries: row.entries as number, sha256: row.sha256 };
      continue;
    }
    const entry = entryOf(file, n, hash.count + 1, row);
    hash.add(entry[0], entry[1]);
    yield entry;
  }
  if (!trailer) throw new StoreError('CORRUPT', `${file}: no trailer (the export was cut short)`);
  if (trailer.entries !== hash.count || trailer.sha256 !== hash.digest()) {
    throw new StoreError(
      'CORRUPT',
      `${file}: entries do not match the trailer (${hash.count} read, ${trailer.entries} recorded, or another checksum)`,
    );
  }
}

function entryOf(file: string, n: number, entry: number, row: Record<string, unknown>): [Uint8Array, Uint8Array] {
  const bytes = (field: 'k' | 'v'): Uint8Array => {
    const text = row[field];
    // Node's decoder skips what is not base64; an export holds canonical base64, which re-encodes the same.
    const decoded = typeof text === 'string' ? Buffer.from(text, 'base64') : undefined;
    if (decoded === undefined || decoded.toString('base64') !== text) throw corrupt(file, n, `entry ${entry}: "${field}" is not base64`);
    return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  };
  return [bytes('k'), bytes('v')];
}

/**
 * The entry count an export's trailer announces, read from the end of the file (one small read): a
 * progress bar's total before the file is checked. Undefined when the tail is not a trailer.
 */
export async function announcedEntries(file: string): Promise<number | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const last = buffer.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
    const row = JSON.parse(last) as { end?: unknown; entries?: unknown };
    return row.end === true && Number.isSafeInteger(row.entries) ? (row.entries as number) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
