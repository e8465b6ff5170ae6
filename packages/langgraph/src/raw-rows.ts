import { defaultCodec, type Key, type KvReader } from '@agentstore/core';
import { checkpointPrefix, isRecordKey } from './layout.js';

/** Entries of the checkpoints domain as stored: key and the default codec's bytes. */
export type RawRow = readonly [key: Key, bytes: Uint8Array];

/**
 * The entries a `getTuple` of the newest checkpoint of (thread, ns) rests on, read in reverse key
 * order: the pending writes stored after the newest record, then the record (last). Ranges grow as in
 * `TupleReader.descending`; empty when the namespace has no record.
 */
export function newestRows(reader: KvReader<Uint8Array>, thread: string, ns: string): RawRow[] {
  const out: RawRow[] = [];
  let chunk = 1;
  const prefix = checkpointPrefix(thread, ns);
  let upper: Key | undefined;
  for (;;) {
    const rows = reader.entries({ prefix, ...(upper === undefined ? {} : { lt: upper }), reverse: true, limit: chunk });
    for (const row of rows) {
      out.push(row);
      if (isRecordKey(row[0])) return out;
    }
    const last = rows[rows.length - 1];
    if (rows.length < chunk || last === undefined) return [];
    upper = last[0];
    chunk = Math.min(Math.max(chunk * 4, 16), 1024);
  }
}

/** The entries of checkpoint `id` of (thread, ns): its record (first, when there is one) and its writes. */
export function byIdRows(reader: KvReader<Uint8Array>, thread: string, ns: string, id: string): RawRow[] {
  return reader.entries({ prefix: checkpointPrefix(thread, ns, id) });
}

/** Whether `rows` (of `newestRows` or `byIdRows`) hold a record. */
export function hasRecord(rows: readonly RawRow[], newest: boolean): boolean {
  const row = newest ? rows[rows.length - 1] : rows[0];
  return row !== undefined && isRecordKey(row[0]);
}

/** `rows` with their values decoded, as the checkpoints domain's default-codec handle reads them. */
export function decodeRows(rows: readonly RawRow[]): Array<[Key, unknown]> {
  return rows.map(([key, bytes]) => [key, defaultCodec.decode(bytes)]);
}

/**
 * A decoding `KvReader` over a raw one for `tupleNow`'s channel-value reads (`getMany`), keeping the
 * keys and bytes it read so that a cached tuple can be checked against them later.
 */
export class RecordingReader implements KvReader<unknown> {
  readonly #raw: KvReader<Uint8Array>;
  /** Keys and bytes of every value read, in order. */
  readonly readKeys: Key[] = [];
  readonly readBytes: Array<Uint8Array | undefined> = [];

  constructor(raw: KvReader<Uint8Array>) {
    this.#raw = raw;
  }

  get(key: Key): unknown {
    return this.getMany([key])[0];
  }

  getMany(keys: readonly Key[]): unknown[] {
    const stored = this.#raw.getMany(keys);
    const out = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const bytes = stored[i];
      this.readKeys.push(keys[i] as Key);
      this.readBytes.push(bytes);
      out[i] = bytes === undefined ? undefined : defaultCodec.decode(bytes);
    }
    return out;
  }

  entries(): Array<[Key, unknown]> {
    throw new Error('RecordingReader reads values by key only');
  }

  keys(): Key[] {
    throw new Error('RecordingReader reads values by key only');
  }
}
