import { assertJsonDepth } from '../codec/json-depth.js';
import { StoreError } from '../errors.js';
import { compareBytes, prefixUpperBound } from '../keys/index.js';
import type { ByteRange } from '../spi/backend.js';
import type { CheckpointInfo, Json } from '../types.js';

// Internal key spaces of a checkpoints domain (all below 0x10, so no user key can collide).
const HEAD = 0x02; // HEAD ++ utf8(trace)                    → trace head (JSON)
const INDEX = 0x03; // INDEX ++ escaped(trace) 00 ++ id        → checkpoint info (JSON)
const RECORD = 0x04; // RECORD ++ id                           → u32 info length, info (JSON), data

/** A trace's head: last seq issued, newest existing id, greatest id issued, checkpoint count. */
export interface TraceHead {
  readonly seq: number;
  readonly latest: string | null;
  readonly maxId: string | undefined;
  readonly count: number;
}

/** The head of a trace that has never been saved to. */
export const EMPTY_HEAD: TraceHead = { seq: 0, latest: null, maxId: undefined, count: 0 };

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const chunks = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  return Buffer.concat(chunks);
}

/** Trace ids may contain any character: escape 00 and 01 so the 00 terminator sorts first. */
function escapeTrace(trace: string): Uint8Array {
  const raw = utf8(trace);
  const out: number[] = [];
  for (const b of raw) {
    if (b === 0x00) out.push(0x01, 0x01);
    else if (b === 0x01) out.push(0x01, 0x02);
    else out.push(b);
  }
  out.push(0x00);
  return Uint8Array.from(out);
}

/** Key of a trace's head. */
export const headKey = (trace: string): Uint8Array => concat([HEAD], utf8(trace));

/** Range of every head whose trace starts with `prefix`, after `after` when given. */
export function headRange(prefix: string, after: string | undefined): ByteRange {
  const start = headKey(prefix);
  const end = prefixUpperBound(start);
  const lower = after !== undefined && compareBytes(headKey(after), start) >= 0 ? { gt: headKey(after) } : { gte: start };
  return end === undefined ? lower : { ...lower, lt: end };
}

/** The trace id of a head key. */
export const traceOfHeadKey = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('utf8');

/** Key of a checkpoint in its trace's index. */
export const indexKey = (trace: string, id: string): Uint8Array => concat([INDEX], escapeTrace(trace), utf8(id));

/** Range of a trace's whole index, or the part older than `before`. */
export function indexRange(trace: string, before?: string): { gte: Uint8Array; lt: Uint8Array } {
  const prefix = concat([INDEX], escapeTrace(trace));
  return { gte: prefix, lt: before === undefined ? (prefixUpperBound(prefix) as Uint8Array) : indexKey(trace, before) };
}

/** Key of a checkpoint's record (info and data). */
export const recordKey = (id: string): Uint8Array => concat([RECORD], utf8(id));

/** Range of every checkpoint record of the domain. */
export const RECORD_RANGE: ByteRange = { gte: Uint8Array.of(RECORD), lt: Uint8Array.of(RECORD + 1) };

function parseJson(bytes: Uint8Array, what: string): unknown {
  // Stored bytes may have been written behind the API: refuse deep nesting before parsing it.
  assertJsonDepth(bytes);
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new StoreError('DECODE', `malformed checkpoint ${what}`, { cause: err });
  }
}

/** Encodes a trace head. */
export function encodeHead(head: TraceHead): Uint8Array {
  return utf8(JSON.stringify({ s: head.seq, l: head.latest, m: head.maxId ?? null, n: head.count }));
}

/** Decodes a trace head; {@link EMPTY_HEAD} when absent. */
export function decodeHead(bytes: Uint8Array | undefined): TraceHead {
  if (bytes === undefined) return EMPTY_HEAD;
  const raw = parseJson(bytes, 'trace head') as { s?: unknown; l?: unknown; m?: unknown; n?: unknown } | null;
  const ok =
    raw !== null &&
    typeof raw === 'object' &&
    Number.isSafeInteger(raw.s) &&
    Number.isSafeInteger(raw.n) &&
    (raw.l === null || typeof raw.l === 'string') &&
    (raw.m === null || typeof raw.m === 'string');
  if (!ok) throw new StoreError('DECODE', 'malformed checkpoint trace head');
  return { seq: raw.s as number, latest: raw.l as string | null, maxId: (raw.m as string | null) ?? undefined, count: raw.n as number };
}

/**
 * Encodes checkpoint info as JSON. `metadataJson` is the already-validated metadata text, so the
 * metadata is serialized once, outside the write transaction.
 */
export function encodeInfo(info: Omit<CheckpointInfo, 'metadata'>, metadataJson: string): Uint8Array {
  const head = { i: info.id, t: info.traceId, p: info.parentId ?? null, s: info.seq, c: info.createdAt, z: info.size };
  return utf8(`${JSON.stringify(head).slice(0, -1)},"m":${metadataJson}}`);
}

/** Decodes checkpoint info written by {@link encodeInfo}. */
export function decodeInfo(bytes: Uint8Array): CheckpointInfo {
  const raw = parseJson(bytes, 'info') as Record<string, unknown> | null;
  const ok =
    raw !== null &&
    typeof raw === 'object' &&
    typeof raw.i === 'string' &&
    typeof raw.t === 'string' &&
    (raw.p === null || typeof raw.p === 'string') &&
    Number.isSafeInteger(raw.s) &&
    typeof raw.c === 'number' &&
    Number.isSafeInteger(raw.z) &&
    raw.m !== null &&
    typeof raw.m === 'object' &&
    !Array.isArray(raw.m);
  if (!ok) throw new StoreError('DECODE', 'malformed checkpoint info');
  const info: CheckpointInfo = {
    id: raw.i as string,
    traceId: raw.t as string,
    seq: raw.s as number,
    createdAt: raw.c as number,
    metadata: raw.m as Record<string, Json>,
    size: raw.z as number,
    ...(raw.p === null ? {} : { parentId: raw.p as string }),
  };
  return info;
}

/** A record: the info's length (u32 LE), the info, then the data. */
export function encodeRecord(info: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + info.byteLength + data.byteLength);
  new DataView(out.buffer).setUint32(0, info.byteLength, true);
  out.set(info, 4);
  out.set(data, 4 + info.byteLength);
  return out;
}

/** Splits a record into its info and a plain-Uint8Array copy of its data. */
export function decodeRecord(bytes: Uint8Array): { info: CheckpointInfo; data: Uint8Array } {
  if (bytes.byteLength < 4) throw new StoreError('DECODE', 'malformed checkpoint record');
  const infoLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (infoLength > bytes.byteLength - 4) throw new StoreError('DECODE', 'malformed checkpoint record');
  const info = decodeInfo(bytes.subarray(4, 4 + infoLength));
  const data = new Uint8Array(bytes.subarray(4 + infoLength)); // a copy: never a Buffer, never shared
  if (data.byteLength !== info.size) throw new StoreError('DECODE', 'checkpoint data length does not match its info');
  return { info, data };
}
