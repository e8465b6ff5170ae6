import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import type { DataDir } from '../paths/data-dir.js';
import { relativeSegments } from '../paths/relative-path.js';
import type { ExternalFile } from './artifact-layout.js';

/** What `registerFile` and `prelink` take: a file under dataDir, its size and its content hash. */
export interface ExternalFileInput {
  /** Path relative to dataDir. */
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
}

/** Validates an external file's description; returns it with the path normalized ('/'-separated). */
export function checkExternalInput(input: ExternalFileInput, what: string): ExternalFileInput {
  if (input === null || typeof input !== 'object') throw new StoreError('INVALID_VALUE', `${what} takes { path, size, sha256 }`);
  const { path, size, sha256 } = input;
  const segments = typeof path === 'string' ? relativeSegments(path) : undefined;
  if (segments === undefined) {
    throw new StoreError('INVALID_VALUE', `${what}: path must be relative to dataDir (no absolute path, no \`..\`, no NUL)`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new StoreError('INVALID_VALUE', `${what}: size must be a non-negative integer`);
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256))
    throw new StoreError('INVALID_VALUE', `${what}: sha256 must be 64 hex digits`);
  return { path: segments.join('/'), size, sha256: sha256.toLowerCase() };
}

/**
 * The absolute path of a file under dataDir, through core's one path policy (`DataDir`): a link or
 * a special file on the way is `CORRUPT`, a directory where the file belongs is `IO`.
 */
export function resolveExternal(dataDir: DataDir, relative: string): string {
  return dataDir.resolve(relative, { kind: 'file' });
}

/** Whether the file holds exactly `size` bytes hashing to `sha256`: 'ok', 'missing' or 'mismatch'. */
export async function verifyFile(absolute: string, size: number, sha256: string): Promise<'ok' | 'missing' | 'mismatch'> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(absolute);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return 'missing';
    throw new StoreError('IO', `cannot inspect ${absolute}`, { cause: err });
  }
  if (!st.isFile() || st.size !== size) return 'mismatch';
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return 'missing';
    throw new StoreError('IO', `cannot read ${absolute}`, { cause: err });
  }
  return hash.digest('hex') === sha256 ? 'ok' : 'mismatch';
}

/** Throws `INVALID_VALUE` unless the file is there with the given size and hash. */
export async function requireFile(absolute: string, input: ExternalFileInput, what: string): Promise<void> {
  const verdict = await verifyFile(absolute, input.size, input.sha256);
  if (verdict === 'missing') throw new StoreError('INVALID_VALUE', `${what}: no file at ${input.path}`);
  if (verdict === 'mismatch')
    throw new StoreError('INVALID_VALUE', `${what}: ${input.path} does not hold ${input.size} bytes with that sha256`);
}

/**
 * The bytes of an external blob (a fresh plain Uint8Array); undefined when the file is gone (the
 * entry may have been removed meanwhile: the caller looks again); `CORRUPT` when its size changed.
 */
export async function readExternal(dataDir: DataDir, file: ExternalFile, size: number): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolveExternal(dataDir, file.path));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err instanceof StoreError ? err : new StoreError('IO', `cannot read ${file.path}`, { cause: err });
  }
  if (bytes.byteLength !== size)
    throw new StoreError('CORRUPT', `external artifact file ${file.path} holds ${bytes.byteLength} bytes, not ${size}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}

/** Removes a file the domain owned (a removed external blob, a discarded publish); a missing one is fine. */
export async function unlinkOwned(dataDir: DataDir, relative: string): Promise<void> {
  try {
    await unlink(resolveExternal(dataDir, relative));
  } catch {
    // Best effort after the commit: a file left behind is garbage under dataDir, never a wrong read.
  }
}

/** The bytes of an external blob in pieces of at most `chunkBytes` (plain Uint8Arrays); `CONFLICT` when the file is gone. */
export async function* streamExternal(dataDir: DataDir, file: ExternalFile, size: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  let read = 0;
  try {
    for await (const piece of createReadStream(resolveExternal(dataDir, file.path), { highWaterMark: chunkBytes })) {
      const bytes = piece as Buffer;
      read += bytes.byteLength;
      if (read > size) break;
      yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT')
      throw new StoreError('CONFLICT', `external artifact file ${file.path} was removed while being read`);
    throw err instanceof StoreError ? err : new StoreError('IO', `cannot read ${file.path}`, { cause: err });
  }
  if (read !== size) throw new StoreError('CORRUPT', `external artifact file ${file.path} does not hold ${size} bytes`);
}
