import { open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes every flip inverts (the size of the damage in issue 14). */
export const FLIP_BYTES = 32;

/** The one file in `dir` whose name matches `pattern` (the newest by name when several do). */
export async function fileIn(dir: string, pattern: RegExp): Promise<string> {
  const names = (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  const name = names.at(-1);
  if (name === undefined) throw new Error(`no file matching ${pattern} in ${dir}`);
  return join(dir, name);
}

/** Inverts {@link FLIP_BYTES} bytes of `file` at `offset`. */
export async function flipAt(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const bytes = Buffer.alloc(FLIP_BYTES);
    await handle.read(bytes, 0, FLIP_BYTES, offset);
    for (let i = 0; i < FLIP_BYTES; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
    await handle.write(bytes, 0, FLIP_BYTES, offset);
  } finally {
    await handle.close();
  }
}

/** Cuts `file` to half its size. */
export async function truncateHalf(file: string): Promise<void> {
  await truncate(file, Math.floor((await stat(file)).size / 2));
}

/** Removes `file`. */
export function remove(file: string): Promise<void> {
  return rm(file);
}

/** The offset of the first page at or after the middle of `file` whose header passes `test`. */
export async function middlePage(file: string, pageSize: number, test: (page: Buffer) => boolean): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const page = Buffer.alloc(pageSize);
    for (let at = Math.floor(size / 2 / pageSize) * pageSize; at + pageSize <= size; at += pageSize) {
      await handle.read(page, 0, pageSize, at);
      if (test(page)) return at;
    }
  } finally {
    await handle.close();
  }
  throw new Error(`no matching page in the second half of ${file}`);
}

/** The offset of the first occurrence of `needle` at or after `from` (a fraction of the file, default the middle). */
export async function middleOf(file: string, needle: Buffer, from = 0.5): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const bytes = await handle.readFile();
    const at = bytes.indexOf(needle, Math.floor(bytes.length * from));
    if (at < 0) throw new Error(`${needle.toString().slice(0, 10)}… not found in ${file}`);
    return at;
  } finally {
    await handle.close();
  }
}
