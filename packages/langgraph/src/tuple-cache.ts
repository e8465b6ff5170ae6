import { Buffer } from 'node:buffer';
import type { Key, KvReader } from '@agentstore/core';
import type { CheckpointTuple } from '@langchain/langgraph-checkpoint';
import { cloneDecoded, UNCLONED } from './clone-decoded.js';
import type { CheckpointRecord } from './layout.js';
import { byIdRows, decodeRows, hasRecord, newestRows, type RawRow, RecordingReader } from './raw-rows.js';
import { tupleNow } from './tuple-now.js';
import type { Located, WriteRow } from './tuple-types.js';
import { row } from './write-row.js';

/** (thread, ns, id) slots a saver keeps a tuple for; the least recently read is dropped first. */
const MAX_SLOTS = 256;
/** Stored bytes the slots hold at most (their tuples take about as much again); a larger checkpoint is not kept. */
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_SLOT_BYTES = 64 * 1024;

interface Cached {
  /** The entries the tuple was built from, as stored, and the channel value entries it read. */
  readonly rows: readonly RawRow[];
  readonly valueKeys: readonly Key[];
  readonly valueBytes: ReadonlyArray<Uint8Array | undefined>;
  /** How many stored bytes `rows` and `valueBytes` hold. */
  readonly size: number;
  /** The tuple, never handed out (callers get copies); undefined until the same entries are read twice. */
  tuple: CheckpointTuple | undefined;
  /** The tuple holds what `cloneDecoded` does not copy: it is decoded on every read. */
  uncloned: boolean;
  /** The domain's `readToken` of the last read that found these bytes (with `tuple` built), if it had one. */
  token: number | undefined;
}

/**
 * The tuples `getTuple` built, per (thread, ns, id or newest), each with the stored bytes it was built
 * from. A read still reads those entries (one range, as without the cache, on the same snapshot), but
 * when every byte is what the tuple was built from it hands out a copy of the tuple instead of
 * decoding them again: no epoch or notification is trusted, so a write by any process or connection
 * is seen as a write. A copy costs a third of a decode; a slot is filled on its second identical read,
 * so a thread read once per write pays nothing for it. Where the domain has a `readToken` (lmdb, sqlite), a
 * read whose number is the one the slot's bytes were last found under skips the read as well
 * (`unchanged`): the number changes whenever a read may find anything else.
 */
export class TupleCache {
  readonly #slots = new Map<string, Cached>();
  #bytes = 0;

  /**
   * The tuple of checkpoint `id` of (thread, ns) (its newest when undefined), read on `reader` (the raw
   * checkpoints domain) and owned by the caller; the checkpoint found when `tupleNow` cannot build it
   * (the caller takes the asynchronous path); undefined when there is no such checkpoint.
   */
  /**
   * A copy of the tuple of (thread, ns, id) when the domain's `readToken` is still `token`, the one
   * it was last read under; else undefined (read it with `tupleIn`).
   */
  unchanged(thread: string, ns: string, id: string | undefined, token: number): CheckpointTuple | undefined {
    const slot = slotOf(thread, ns, id);
    const cached = this.#slots.get(slot);
    if (cached === undefined || cached.token !== token || cached.tuple === undefined) return undefined;
    this.#slots.delete(slot);
    this.#slots.set(slot, cached);
    return cloneDecoded(cached.tuple) as CheckpointTuple;
  }

  /** `token`: the domain's `readToken` taken just before this read (on its snapshot), if it had one. */
  tupleIn(
    reader: KvReader<Uint8Array>,
    thread: string,
    ns: string,
    id: string | undefined,
    token?: number,
  ): CheckpointTuple | Located | undefined {
    const newest = id === undefined;
    const rows = newest ? newestRows(reader, thread, ns) : byIdRows(reader, thread, ns, id);
    if (!hasRecord(rows, newest)) return undefined;
    const slot = slotOf(thread, ns, id);
    const cached = this.#slots.get(slot);
    if (cached !== undefined && sameRows(cached.rows, rows) && sameValues(cached, reader)) {
      this.#slots.delete(slot);
      this.#slots.set(slot, cached);
      cached.token = token;
      if (cached.tuple !== undefined) return cloneDecoded(cached.tuple) as CheckpointTuple;
      const found = locate(thread, ns, rows, newest);
      const tuple = tupleNow(new RecordingReader(reader), found);
      if (tuple === undefined || cached.uncloned) return tuple ?? found;
      const copy = cloneDecoded(tuple);
      if (copy === UNCLONED) {
        cached.uncloned = true;
        return tuple;
      }
      cached.tuple = tuple;
      return copy as CheckpointTuple;
    }
    const found = locate(thread, ns, rows, newest);
    const recording = new RecordingReader(reader);
    const tuple = tupleNow(recording, found);
    if (tuple === undefined) return found;
    this.#drop(slot);
    let size = 0;
    for (const [, bytes] of rows) size += bytes.length;
    for (const bytes of recording.readBytes) size += bytes?.length ?? 0;
    if (size > MAX_SLOT_BYTES) return tuple;
    this.#slots.set(slot, {
      rows,
      valueKeys: recording.readKeys,
      valueBytes: recording.readBytes,
      size,
      tuple: undefined,
      uncloned: false,
      token: undefined,
    });
    this.#bytes += size;
    while (this.#slots.size > MAX_SLOTS || this.#bytes > MAX_BYTES) {
      const oldest = this.#slots.keys().next().value;
      if (oldest === undefined) break;
      this.#drop(oldest);
    }
    return tuple;
  }

  #drop(slot: string): void {
    const cached = this.#slots.get(slot);
    if (cached === undefined) return;
    this.#slots.delete(slot);
    this.#bytes -= cached.size;
  }
}

function slotOf(thread: string, ns: string, id: string | undefined): string {
  return `${thread.length}:${thread}\u0000${ns.length}:${ns}\u0000${id ?? ''}`;
}

/** The checkpoint of `rows` (`newestRows`: writes then the record; `byIdRows`: the record then its writes), decoded. */
function locate(thread: string, ns: string, rows: readonly RawRow[], newest: boolean): Located {
  const decoded = decodeRows(rows);
  if (!newest) {
    const [[key, record] = [], ...writes] = decoded;
    const id = (key as string[])[3] as string;
    return { thread, ns, id, record: record as CheckpointRecord, writes: writes.map(([k, v]) => row(k, v)) };
  }
  const [key, record] = decoded[decoded.length - 1] as [Key, unknown];
  const id = (key as string[])[3] as string;
  // As `TupleReader.descending`: the writes met just before the record are its own unless they name another.
  const writes: WriteRow[] = [];
  for (let i = decoded.length - 2; i >= 0; i--) {
    const [k, v] = decoded[i] as [Key, unknown];
    if ((k as string[])[3] !== id) break;
    writes.unshift(row(k, v));
  }
  return { thread, ns, id, record: record as CheckpointRecord, writes };
}

function sameRows(a: readonly RawRow[], b: readonly RawRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [ka, va] = a[i] as RawRow;
    const [kb, vb] = b[i] as RawRow;
    if (!sameBytes(va, vb) || !sameKey(ka, kb)) return false;
  }
  return true;
}

/** Whether the channel value entries the cached tuple read still hold the same bytes (read on `reader`). */
function sameValues(cached: Cached, reader: KvReader<Uint8Array>): boolean {
  if (cached.valueKeys.length === 0) return true;
  const now = reader.getMany(cached.valueKeys);
  for (let i = 0; i < now.length; i++) {
    const a = now[i];
    const b = cached.valueBytes[i];
    if (a === undefined || b === undefined ? a !== b : !sameBytes(a, b)) return false;
  }
  return true;
}

function sameKey(a: Key, b: Key): boolean {
  const x = a as unknown[];
  const y = b as unknown[];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
