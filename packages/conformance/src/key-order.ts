import type { Key } from '@agentstore/core/spi';

type KeyPart = string | number;

const utf8 = new TextEncoder();

/** Compares strings by their UTF-8 bytes (SPEC §3), not by UTF-16 code units. */
export function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function comparePart(a: KeyPart, b: KeyPart): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return compareUtf8(a, b);
}

/**
 * The key order written from SPEC §3, independently of core's encoding: scalars before tuples; numbers
 * before strings; numbers by value; strings by UTF-8 bytes; tuples element by element, shorter first.
 */
export function compareKeys(a: Key, b: Key): number {
  const ta = Array.isArray(a);
  const tb = Array.isArray(b);
  if (ta !== tb) return ta ? 1 : -1;
  if (!ta || !tb) return comparePart(a as KeyPart, b as KeyPart);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = comparePart(a[i] as KeyPart, b[i] as KeyPart);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The key as the store gives it back: `-0` becomes `0`. */
export function normalizeKey(k: Key): Key {
  if (Array.isArray(k)) return k.map((p) => (Object.is(p, -0) ? 0 : p));
  return Object.is(k, -0) ? 0 : k;
}

/** A string identity for a key ('a' and ['a'] differ; -0 and 0 agree). */
export function keyId(k: Key): string {
  return JSON.stringify(normalizeKey(k));
}

/** Sorted, de-duplicated (by identity) normalized keys. */
export function sortedUnique(keys: readonly Key[]): Key[] {
  const m = new Map<string, Key>();
  for (const k of keys) m.set(keyId(k), normalizeKey(k));
  return [...m.values()].sort(compareKeys);
}

/** Does `k` fall inside a range (prefix and bounds), by the SPEC rules? */
export function inRange(k: Key, r: { prefix?: Key; gt?: Key; gte?: Key; lt?: Key; lte?: Key }): boolean {
  if (r.prefix !== undefined) {
    const p = r.prefix;
    if (Array.isArray(p)) {
      if (!Array.isArray(k) || k.length < p.length) return false;
      for (let i = 0; i < p.length; i++) if (comparePart(k[i] as KeyPart, p[i] as KeyPart) !== 0) return false;
    } else if (typeof p === 'string') {
      if (typeof k !== 'string' || !k.startsWith(p)) return false;
    } else if (k !== p) {
      return false;
    }
  }
  if (r.gt !== undefined && !(compareKeys(k, r.gt) > 0)) return false;
  if (r.gte !== undefined && !(compareKeys(k, r.gte) >= 0)) return false;
  if (r.lt !== undefined && !(compareKeys(k, r.lt) < 0)) return false;
  if (r.lte !== undefined && !(compareKeys(k, r.lte) <= 0)) return false;
  return true;
}
