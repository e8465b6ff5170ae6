import { createHash, randomUUID } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLockHolders, StoreError } from '@agentstore/core/spi';

/**
 * One process at a time on an LMDB environment, for processes that run lmdb's stock engine (which can
 * lose acknowledged commits when another process opens the environment; see select-engine.ts).
 *
 * The lock is a local socket the holder listens on, named after the environment directory's device
 * and inode: an abstract socket on Linux and a named pipe on Windows, which the kernel frees when the
 * holder exits or is killed, so a holder is never stale. Elsewhere (macOS, BSD) it is a socket file in
 * the temp directory; a file nobody listens on (its holder died) is taken over, and the taker checks that
 * the socket it then reaches is its own — best effort: two processes taking over the same dead holder's
 * file in the same instant can both succeed. A second process learns of the holder by connecting: the holder
 * answers with its pid and start time, and the second process gets `LOCKED` at once.
 *
 * Processes running the fixed engine take no lock, but check before and after they open the
 * environment that no stock-engine process holds it alone; on Linux the holder, once listening, also
 * checks `/proc/locks` for any other process that has the environment's `lock.mdb` open. Whichever of
 * the two moves second sees the other.
 */
export class ExclusiveLock {
  readonly #server: Server;
  readonly #file: string | undefined;

  private constructor(server: Server, file: string | undefined) {
    this.#server = server;
    this.#file = file;
  }

  /** Takes `envDir` for this process alone, or throws `LOCKED` naming the process that has it. */
  static async acquire(envDir: string): Promise<ExclusiveLock> {
    const address = lockAddress(envDir);
    const me: Holder = { pid: process.pid, since: new Date().toISOString(), nonce: randomUUID() };
    const server = createServer((socket) => socket.end(`${JSON.stringify(me)}\n`));
    server.unref();
    for (let attempt = 0; ; attempt++) {
      try {
        await listen(server, address.path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw lockError(envDir, err);
        const holder = await askHolder(address.path);
        if (holder !== 'nobody' || !address.file || attempt > 0) throw heldBy(envDir, holder);
        rmSync(address.path, { force: true }); // a socket file whose holder died
      }
    }
    const lock = new ExclusiveLock(server, address.file ? address.path : undefined);
    if (address.file) {
      // Another process may have taken the same dead holder's file over at the same time: the socket
      // reached at the path is the holder's.
      const reached = await askHolder(address.path);
      if (reached === 'nobody' || reached === 'silent' || reached.nonce !== me.nonce) {
        await lock.release(true);
        throw heldBy(envDir, reached);
      }
    }
    try {
      const others = otherOpeners(envDir);
      if (others.length > 0) {
        throw new StoreError(
          'LOCKED',
          `lmdb environment ${envDir} is open in other processes (pid ${others.join(', ')}); this process runs ` +
            "LMDB's stock engine, which opens an environment only while no other process has it open",
        );
      }
    } catch (err) {
      await lock.release();
      throw err;
    }
    return lock;
  }

  /** Lets another process take the environment; `keepFile` when the socket file is no longer ours. */
  async release(keepFile = false): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#file && !keepFile) rmSync(this.#file, { force: true });
  }
}

/** Throws `LOCKED` when a process running the stock engine holds `envDir` alone. */
export async function assertNotHeldAlone(envDir: string): Promise<void> {
  const holder = await askHolder(lockAddress(envDir).path);
  if (holder !== 'nobody') throw heldBy(envDir, holder);
}

/** What a holder answers on its socket. */
interface Holder {
  readonly pid: number;
  readonly since: string;
  readonly nonce: string;
}

/** How long a second process waits for the holder's answer (LOCKED must come quickly). */
const ASK_TIMEOUT_MS = 50;

function lockAddress(envDir: string): { path: string; file: boolean } {
  const st = statSync(envDir, { bigint: true });
  const name = `agentstore-lmdb-${createHash('sha256').update(`${st.dev}:${st.ino}`).digest('hex').slice(0, 24)}`;
  if (process.platform === 'linux') return { path: `\0${name}`, file: false };
  if (process.platform === 'win32') return { path: `\\\\?\\pipe\\${name}`, file: false };
  return { path: join(tmpdir(), `${name}.sock`), file: true };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The holder of `path`: its answer, `'silent'` when it is there but does not answer in time, or `'nobody'`. */
function askHolder(path: string): Promise<Holder | 'silent' | 'nobody'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    let text = '';
    let connected = false;
    const done = (result: Holder | 'silent' | 'nobody'): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(connected ? 'silent' : 'nobody'), ASK_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\n')) return;
      try {
        done(JSON.parse(text.slice(0, text.indexOf('\n'))) as Holder);
      } catch {
        done('silent');
      }
    });
    socket.on('error', () => done(connected ? 'silent' : 'nobody'));
    socket.on('end', () => done(connected ? 'silent' : 'nobody'));
  });
}

function heldBy(envDir: string, holder: Holder | 'silent' | 'nobody'): StoreError {
  const who = typeof holder === 'object' ? `process ${holder.pid} (since ${holder.since})` : 'another process';
  return new StoreError(
    'LOCKED',
    `lmdb environment ${envDir} is held by ${who}, which runs LMDB's stock engine and so opens it for one process only`,
  );
}

function lockError(envDir: string, err: unknown): StoreError {
  return new StoreError('IO', `lmdb environment ${envDir}: cannot take its single-process lock: ${(err as Error).message}`, { cause: err });
}

/** Other processes holding a POSIX lock on `envDir/lock.mdb` (LMDB keeps one while it has the environment open). */
function otherOpeners(envDir: string): number[] {
  return fileLockHolders(join(envDir, 'lock.mdb'));
}
