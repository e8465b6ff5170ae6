import { type Dirent, lstatSync, mkdirSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { requireRelativeSegments } from './relative-path.js';

/** What a path inside dataDir must be when it exists: a regular file or a directory. */
export type DataDirEntryKind = 'file' | 'directory';

/** How `DataDir.resolve` treats the path it is given. */
export interface DataDirResolveOptions {
  /** What the last segment must be when it exists. */
  readonly kind: DataDirEntryKind;
  /**
   * Create dataDir and every missing directory on the way, the last segment too when `kind` is
   * `'directory'` (a file is left to the engine that opens it). Default false: nothing is created,
   * and a path whose first missing segment is reached is returned as is.
   */
  readonly create?: boolean;
  /** Also check each entry directly inside a `'directory'` (engines that name their own files there). */
  readonly checkEntries?: boolean;
}

/**
 * The one path policy of agentstore: every file an adapter or the CLI makes under a data directory
 * goes through it. dataDir itself may be a symbolic link (a data directory on another disk): it is
 * resolved to its real path once, on first use, and kept. Below it, every existing segment of a
 * path is looked at with `lstat` and must be a plain directory (or, for the last one, the expected
 * kind): a symbolic link, a device, a FIFO or a socket anywhere between dataDir and the file is
 * refused with `CORRUPT` (agentstore never makes one, and following it could write outside
 * dataDir); a plain file where a directory belongs (or the reverse) is `IO`; a path that is
 * absolute, has a `..` segment or a NUL is `INVALID_OPTIONS`. Missing directories are made one
 * segment at a time, each checked again after it exists, never with a recursive mkdir that would
 * follow a link.
 */
export class DataDir {
  readonly #given: string;
  #real: string | undefined;

  constructor(dataDir: string) {
    this.#given = resolve(dataDir);
  }

  /** dataDir as given, made absolute (not resolved through links). */
  get path(): string {
    return this.#given;
  }

  /**
   * The real path of dataDir (links in it and above it followed), resolved once and kept; creates
   * dataDir when `create`. Undefined when dataDir does not exist and `create` is false.
   */
  root(create = false): string | undefined {
    if (this.#real !== undefined) return this.#real;
    try {
      if (create) mkdirSync(this.#given, { recursive: true });
      this.#real = realpathSync(this.#given);
      return this.#real;
    } catch (err) {
      if (!create && codeOf(err) === 'ENOENT') return undefined;
      throw new StoreError('IO', `cannot use dataDir ${this.#given}: ${messageOf(err)}`, { cause: err });
    }
  }

  /**
   * The absolute real path of `relativePath` inside dataDir, after checking every segment that
   * exists (see the class doc). When dataDir does not exist and nothing is created, the path is
   * returned below dataDir as given.
   */
  resolve(relativePath: string, options: DataDirResolveOptions): string {
    const segments = requireRelativeSegments(relativePath);
    const create = options.create ?? false;
    const root = this.root(create);
    if (root === undefined) return join(this.#given, ...segments);
    let current = root;
    for (const [i, segment] of segments.entries()) {
      const last = i === segments.length - 1;
      const kind: DataDirEntryKind = last ? options.kind : 'directory';
      current = join(current, segment);
      let stat = lstatOrUndefined(current);
      if (stat === undefined) {
        // Nothing exists from here on: there is nothing more to check.
        if (!create) return join(current, ...segments.slice(i + 1));
        if (kind === 'file') return current;
        stat = makeDirectory(current);
      }
      assertPlain(current, stat, kind);
    }
    if (options.kind === 'directory' && options.checkEntries) assertPlainEntries(current);
    return current;
  }
}

/**
 * `new DataDir(dataDir).resolve(relativePath, options)`, for one-off callers; an adapter keeps one
 * `DataDir` per store so that dataDir is resolved once.
 */
export function resolveInsideDataDir(dataDir: string, relativePath: string, options: DataDirResolveOptions): string {
  return new DataDir(dataDir).resolve(relativePath, options);
}

/** Refuses what the policy never follows or writes through: links and special files; `IO` for a file/directory mix-up. */
function assertPlain(path: string, stat: Stats, kind: DataDirEntryKind): void {
  if (stat.isSymbolicLink()) {
    throw new StoreError('CORRUPT', `${path} is a symbolic link; agentstore refuses links inside dataDir`);
  }
  if (!stat.isFile() && !stat.isDirectory()) {
    throw new StoreError('CORRUPT', `${path} is a special file (device, FIFO or socket); agentstore refuses it inside dataDir`);
  }
  if (kind === 'directory' && !stat.isDirectory()) throw new StoreError('IO', `${path} is not a directory`);
  if (kind === 'file' && !stat.isFile()) throw new StoreError('IO', `${path} is not a regular file`);
}

/** Checks the direct entries of `dir`: plain files and directories only (types from the directory listing, no stat each). */
function assertPlainEntries(dir: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new StoreError('IO', `cannot list ${dir}: ${messageOf(err)}`, { cause: err });
  }
  for (const entry of entries) {
    if (entry.isFile() || entry.isDirectory()) continue;
    // Only the rare other entry is stat'ed: a link or special file is refused, and a file system whose
    // listing gives no entry types ("unknown") gets its answer from lstat.
    const path = join(dir, entry.name);
    const stat = lstatOrUndefined(path);
    if (stat !== undefined) assertPlain(path, stat, stat.isDirectory() ? 'directory' : 'file');
  }
}

/** Makes one directory (not recursive) and returns what is there now: a racing creator's directory is fine. */
function makeDirectory(path: string): Stats {
  try {
    mkdirSync(path);
  } catch (err) {
    if (codeOf(err) !== 'EEXIST') throw new StoreError('IO', `cannot create ${path}: ${messageOf(err)}`, { cause: err });
  }
  const stat = lstatOrUndefined(path);
  if (stat === undefined) throw new StoreError('IO', `${path} vanished while it was being created`);
  return stat;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    // No exception for a missing entry: the common case when creating, and exceptions cost.
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    throw new StoreError('IO', `cannot inspect ${path}: ${messageOf(err)}`, { cause: err });
  }
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
