import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_NAME_PATTERN } from '../domain-name.js';
import { StoreError } from '../errors.js';
import { DataDir } from '../paths/data-dir.js';
import type { DomainKind } from '../types.js';

/**
 * The manifest of a data directory (SPEC §9.6): the directory `agentstore-manifest` under dataDir,
 * holding one small JSON file per domain (`<domain>.json`) and one for the default route
 * (`_default.json`, a name no domain can have). One file per domain makes the merge of what several
 * processes record atomic without a lock: each record is written to a temporary file and renamed over
 * its own name, so two processes recording different domains at once both end up in it, and two
 * recording the same domain leave one whole record (the routes they record for it agree in a sane
 * deployment; the last one wins otherwise).
 */
export const MANIFEST_DIR = 'agentstore-manifest';

/** The file name of the default route's record. */
const DEFAULT_FILE = '_default.json';

/** Format tag of every record. */
const FORMAT = 'agentstore-route';

/** Where one domain lives, as recorded: plain data, without secrets. */
export interface ManifestRoute {
  readonly adapter: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The domain's kind once a process has written it. */
  readonly kind?: DomainKind;
}

/** What a data directory says about itself. */
export interface Manifest {
  /** The default route last recorded (domains not listed were opened on it, or never written). */
  readonly default?: ManifestRoute;
  /** Every domain a process has opened on a persistent adapter, by name. */
  readonly domains: Readonly<Record<string, ManifestRoute>>;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

function parseRecord(file: string, text: string): ManifestRoute {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoreError('CORRUPT', `manifest record ${file} is not JSON: ${messageOf(err)}`, { cause: err });
  }
  const r = value as { format?: unknown; adapter?: unknown; options?: unknown; kind?: unknown } | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    r.format !== FORMAT ||
    typeof r.adapter !== 'string' ||
    r.options === null ||
    typeof r.options !== 'object' ||
    Array.isArray(r.options) ||
    (r.kind !== undefined && typeof r.kind !== 'string')
  ) {
    throw new StoreError('CORRUPT', `manifest record ${file} is not an agentstore route record`);
  }
  return {
    adapter: r.adapter,
    options: r.options as Record<string, unknown>,
    ...(r.kind === undefined ? {} : { kind: r.kind as DomainKind }),
  };
}

/**
 * Reads the manifest of `dataDir`; undefined when it has none (no store, or one written before
 * manifests existed). Never creates anything.
 */
export function readManifest(dataDir: string): Manifest | undefined {
  // The path policy of dataDir: a link or special file as the manifest or among its records is CORRUPT.
  const dir = new DataDir(dataDir).resolve(MANIFEST_DIR, { kind: 'directory', checkEntries: true });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw new StoreError('IO', `cannot read the manifest ${dir}: ${messageOf(err)}`, { cause: err });
  }
  const domains: Record<string, ManifestRoute> = {};
  let defaultRoute: ManifestRoute | undefined;
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue; // temporary files of a record being written
    const domain = name.slice(0, -'.json'.length);
    if (name !== DEFAULT_FILE && !DOMAIN_NAME_PATTERN.test(domain)) continue;
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (codeOf(err) === 'ENOENT') continue;
      throw new StoreError('IO', `cannot read ${file}: ${messageOf(err)}`, { cause: err });
    }
    const record = parseRecord(file, text);
    if (name === DEFAULT_FILE) defaultRoute = record;
    else domains[domain] = record;
  }
  return { ...(defaultRoute && { default: defaultRoute }), domains };
}

/** The record a `ManifestRoute` is written as (stable key order, so equal routes compare equal). */
function recordText(route: ManifestRoute): string {
  const record = { format: FORMAT, adapter: route.adapter, options: route.options, ...(route.kind && { kind: route.kind }) };
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Whether two routes would be written as the same record. */
export function sameRoute(a: ManifestRoute | undefined, b: ManifestRoute): boolean {
  return a !== undefined && recordText(a) === recordText(b);
}

let sequence = 0;

/**
 * Writes one record (`domain` undefined: the default route) into the manifest of `dataDir` (made
 * through the path policy): temporary file, fsync, rename over the record, fsync of the directory.
 */
export function writeManifestRecord(dataDir: DataDir, domain: string | undefined, route: ManifestRoute): void {
  const dir = dataDir.resolve(MANIFEST_DIR, { kind: 'directory', create: true });
  const file = join(dir, domain === undefined ? DEFAULT_FILE : `${domain}.json`);
  const tmp = `${file}.${process.pid}.${++sequence}.tmp`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, recordText(route));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    syncDirectory(dir);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StoreError('IO', `cannot write the manifest record ${file}: ${messageOf(err)}`, { cause: err });
  }
}

/** Removes the record of `domain` from the manifest of `dataDir` (nothing when it has none). */
export function removeManifestRecord(dataDir: DataDir, domain: string): void {
  const dir = dataDir.resolve(MANIFEST_DIR, { kind: 'directory' });
  try {
    rmSync(join(dir, `${domain}.json`), { force: true });
  } catch (err) {
    throw new StoreError('IO', `cannot remove the manifest record of "${domain}": ${messageOf(err)}`, { cause: err });
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is atomic either way.
  }
}
