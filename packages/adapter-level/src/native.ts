import { createRequire } from 'node:module';
import { nativeBindingError } from '@agentstore/core/spi';
import type { ClassicLevel as ClassicLevelClass } from 'classic-level';

/**
 * The slice of classic-level this adapter uses, declared here so that no classic-level type reaches
 * the public API and the rest of the adapter depends on a few methods rather than a whole library.
 */

/** One write of a batch. */
export type NativeOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/** Bounds of a native iteration over full (prefixed) keys. */
export interface NativeRange {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** A native iterator; `nextv` returns an empty array at the end. */
export interface NativeIterator<T> {
  nextv(size: number): Promise<T[]>;
  close(): Promise<void>;
}

/** An explicit LevelDB snapshot: reads given it see the state it was taken in. */
export interface NativeSnapshot {
  close(): Promise<void>;
}

/** An open LevelDB handle with byte keys and byte values. */
export interface NativeDb {
  getSync(key: Uint8Array, options?: { snapshot: NativeSnapshot }): Uint8Array | undefined;
  snapshot(): NativeSnapshot;
  getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  put(key: Uint8Array, value: Uint8Array, options: { sync: boolean }): Promise<void>;
  del(key: Uint8Array, options: { sync: boolean }): Promise<void>;
  batch(ops: NativeOp[], options: { sync: boolean }): Promise<void>;
  iterator(range: NativeRange): NativeIterator<[Uint8Array, Uint8Array]>;
  keys(range: NativeRange): NativeIterator<Uint8Array>;
  clear(range: NativeRange): Promise<void>;
  approximateSize(start: Uint8Array, end: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** Engine tuning applied when a location is opened. */
export interface NativeOpenOptions {
  readonly cacheSize: number;
  readonly writeBufferSize: number;
  readonly compression: boolean;
}

const require = createRequire(import.meta.url);
let ClassicLevel: typeof ClassicLevelClass | undefined;

/**
 * Loads classic-level, whose module loads its native addon (once per process). Loaded on demand, not
 * imported, so that a missing or unbuilt addon is `UNSUPPORTED` naming the fix, from `createStore`,
 * and importing this adapter never throws.
 */
export function loadClassicLevel(): typeof ClassicLevelClass {
  if (ClassicLevel) return ClassicLevel;
  try {
    ClassicLevel = (require('classic-level') as { ClassicLevel: typeof ClassicLevelClass }).ClassicLevel;
    return ClassicLevel;
  } catch (err) {
    throw nativeBindingError('@agentstore/adapter-level', 'classic-level', err);
  }
}

/** Opens the LevelDB at `location` (creating it). Callers guarantee it is not open in this process. */
export async function openNative(location: string, options: NativeOpenOptions): Promise<NativeDb> {
  const ClassicLevel = loadClassicLevel();
  // 'view' both ways: core hands us Uint8Arrays, and the native layer returns Buffers (which are
  // Uint8Arrays) without any transcoding.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    createIfMissing: true,
    cacheSize: options.cacheSize,
    writeBufferSize: options.writeBufferSize,
    compression: options.compression,
  });
  await db.open();
  return db as unknown as NativeDb;
}
