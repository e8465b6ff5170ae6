import { translateLevelError } from './errors.js';
import { RESERVED_KEYS } from './level-engine.js';
import type { LocationLease } from './location.js';

/**
 * Names of the domains a location holds, kept under a reserved key prefix (`0x00 "domain" 0x00
 * <name>`) so that `listDomains` reads a few keys instead of scanning every domain's data.
 */

const NAMES_PREFIX = Buffer.from('\0domain\0', 'latin1');
const NAMES_END = Buffer.from('\0domain\x01', 'latin1');
const EMPTY = new Uint8Array(0);

/** The reserved key recording `domain`. */
export function domainNameKey(domain: string): Buffer {
  return Buffer.concat([NAMES_PREFIX, Buffer.from(domain, 'latin1')]);
}

/** Records `domain` in the location unless it is already there (a read, no write, in the usual case). */
export async function registerDomain(lease: LocationLease, domain: string): Promise<void> {
  const key = domainNameKey(domain);
  try {
    if (lease.db.getSync(key) !== undefined) return;
  } catch (error) {
    throw translateLevelError(error, `level: reading the name record of ${domain}`);
  }
  await lease.queue.transact(RESERVED_KEYS, 'balanced', (tx) => {
    if (tx.get(key) === undefined) tx.put(key, EMPTY);
  });
}

/** Names recorded in the location, in byte order. */
export async function recordedDomains(lease: LocationLease): Promise<string[]> {
  const names: string[] = [];
  const iterator = lease.db.keys({ gte: NAMES_PREFIX, lt: NAMES_END });
  try {
    for (;;) {
      const page = await iterator.nextv(1000).catch((error: unknown) => {
        throw translateLevelError(error, 'level: listing domains');
      });
      if (page.length === 0) break;
      for (const key of page) names.push(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1', NAMES_PREFIX.length));
    }
  } finally {
    await iterator.close();
  }
  return names;
}
