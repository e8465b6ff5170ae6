import { type ByteRange, type Bytes, compareBytes } from '@agentstore/core/spi';
import type { Connection } from './connection.js';

/** The three keys that hold one domain (see `scripts.ts`). */
export interface DomainKeys {
  readonly z: string;
  readonly h: string;
  readonly v: string;
}

/** The bytes as a Buffer without copying (the client sends any other Uint8Array as text). */
export function buf(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A `ByteRange` as ZRANGE BYLEX start and stop (swapped when descending), the tighter bound where two are given. */
export function lexBounds(range: ByteRange): [Buffer | string, Buffer | string] {
  const low = tighter(range.gt, range.gte, 1);
  const high = tighter(range.lt, range.lte, -1);
  const min = low === undefined ? '-' : Buffer.concat([Buffer.from(low.open ? '(' : '['), low.key]);
  const max = high === undefined ? '+' : Buffer.concat([Buffer.from(high.open ? '(' : '['), high.key]);
  return range.reverse === true ? [max, min] : [min, max];
}

function tighter(open: Bytes | undefined, closed: Bytes | undefined, sign: number): { key: Bytes; open: boolean } | undefined {
  if (open === undefined) return closed === undefined ? undefined : { key: closed, open: false };
  if (closed === undefined || sign * compareBytes(open, closed) >= 0) return { key: open, open: true };
  return { key: closed, open: false };
}

/** One atomic read of `range` (honouring `limit` and `reverse`) with the domain version it saw. */
export async function readRange(
  conn: Connection,
  d: DomainKeys,
  range: ByteRange,
): Promise<{ version: Buffer; entries: Array<[Bytes, Bytes]> }> {
  const [start, stop] = lexBounds(range);
  const reply = (await conn.client.asRangeBuffer(d.z, d.h, d.v, start, stop, range.reverse ? '1' : '0', range.limit ?? -1)) as Buffer[];
  const entries: Array<[Bytes, Bytes]> = [];
  // A key without a value cannot happen (both change in one script); skip it rather than return a hole.
  for (let i = 1; i + 1 < reply.length; i += 2) if (reply[i + 1]) entries.push([reply[i] as Buffer, reply[i + 1] as Buffer]);
  return { version: reply[0] as Buffer, entries };
}
