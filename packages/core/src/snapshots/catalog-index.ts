import { StoreError } from '../errors.js';
import type { SnapshotPutOptions } from './types.js';

/** An index declaration as stored with the snapshot: every default filled. */
export interface IndexSpec {
  readonly path: readonly string[];
  readonly key: string;
  readonly aliases: readonly string[];
}

/** Index declarations by name. */
export type IndexSpecs = Readonly<Record<string, IndexSpec>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX_INDEXES = 64;
const MAX_SEGMENTS = 16;

function field(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new StoreError('INVALID_VALUE', `${what} must be a string of 1 to 256 characters`);
  }
  return value;
}

/** Validates `put`'s index declarations (`INVALID_VALUE` before anything is written); undefined when none. */
export function normalizeIndexes(options: SnapshotPutOptions | undefined): IndexSpecs | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new StoreError('INVALID_VALUE', 'put options are { indexes? }');
  const extra = Object.keys(options).filter((k) => k !== 'indexes');
  if (extra.length > 0) throw new StoreError('INVALID_VALUE', `unknown put options: ${extra.join(', ')}`);
  const { indexes } = options;
  if (indexes === undefined) return undefined;
  if (indexes === null || typeof indexes !== 'object' || Array.isArray(indexes)) {
    throw new StoreError('INVALID_VALUE', 'indexes is an object of index declarations by name');
  }
  const names = Object.keys(indexes);
  if (names.length > MAX_INDEXES) throw new StoreError('INVALID_VALUE', `at most ${MAX_INDEXES} indexes`);
  const out: Record<string, IndexSpec> = {};
  for (const name of names) {
    if (!NAME.test(name)) throw new StoreError('INVALID_VALUE', `index name "${name}" must match ${NAME.source}`);
    const decl = indexes[name] as unknown as Record<string, unknown> | null;
    if (decl === null || typeof decl !== 'object') throw new StoreError('INVALID_VALUE', `index "${name}" is { path, key?, aliases? }`);
    const unknown = Object.keys(decl).filter((k) => k !== 'path' && k !== 'key' && k !== 'aliases');
    if (unknown.length > 0) throw new StoreError('INVALID_VALUE', `index "${name}": unknown keys ${unknown.join(', ')}`);
    const rawPath = typeof decl.path === 'string' ? decl.path.split('.') : decl.path;
    if (!Array.isArray(rawPath) || rawPath.length === 0 || rawPath.length > MAX_SEGMENTS) {
      throw new StoreError('INVALID_VALUE', `index "${name}": path is 1 to ${MAX_SEGMENTS} segments`);
    }
    const path = rawPath.map((segment, i) => field(segment, `index "${name}" path segment ${i}`));
    const key = decl.key === undefined ? 'id' : field(decl.key, `index "${name}" key`);
    const rawAliases = decl.aliases === undefined ? [] : typeof decl.aliases === 'string' ? [decl.aliases] : decl.aliases;
    if (!Array.isArray(rawAliases)) throw new StoreError('INVALID_VALUE', `index "${name}": aliases is a field name or a list of them`);
    const aliases = rawAliases.map((a, i) => field(a, `index "${name}" alias field ${i}`));
    out[name] = { path, key, aliases };
  }
  return out;
}

/** Encodes normalized declarations (JSON: small, and readable in an export). */
export function encodeIndexes(specs: IndexSpecs): Uint8Array {
  return Buffer.from(JSON.stringify(specs), 'utf8');
}

/** Decodes declarations stored with a snapshot; `DECODE` when they are malformed. */
export function decodeIndexes(bytes: Uint8Array): IndexSpecs {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    const specs = normalizeIndexes({ indexes: raw as SnapshotPutOptions['indexes'] });
    if (specs === undefined) throw new Error('no declarations');
    return specs;
  } catch (err) {
    throw new StoreError('DECODE', 'malformed catalog index declarations in the snapshot record', { cause: err });
  }
}
