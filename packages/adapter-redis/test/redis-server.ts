/**
 * A throwaway `redis-server` for tests: its own temp directory, a free loopback port, AOF on. Tests
 * that need Redis start one (never the shared server on 6379), can SIGKILL and restart it on the same
 * directory, and remove it afterwards. Bounded: every wait has a deadline.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env.AGENTSTORE_REDIS_SERVER ?? 'redis-server';
const READY_MS = 15_000;

/** Why no test server can run here (the binary is missing), or undefined when one can. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  if (probe.status === 0) return undefined;
  return `${BINARY} is not installed (set AGENTSTORE_REDIS_SERVER to its path)`;
}

/** How the server persists: `always` fsyncs every write before replying (what `strict` needs). */
export interface ServerSettings {
  readonly appendonly?: 'yes' | 'no';
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra `--name value` arguments. */
  readonly extra?: readonly string[];
}

/** A running (or stopped) test server. */
export class RedisTestServer {
  readonly dir: string;
  readonly port: number;
  readonly settings: ServerSettings;
  #child: ChildProcess | undefined;

  private constructor(dir: string, port: number, settings: ServerSettings) {
    this.dir = dir;
    this.port = port;
    this.settings = settings;
  }

  /** Starts a server in a fresh temp directory on a free loopback port. */
  static async start(settings: ServerSettings = {}): Promise<RedisTestServer> {
    const dir = mkdtempSync(join(tmpdir(), 'agentstore-redis-'));
    for (let attempt = 0; ; attempt++) {
      const server = new RedisTestServer(dir, await freePort(), settings);
      try {
        await server.restart();
        return server;
      } catch (error) {
        // Another process may have taken the port between probing and binding: try another one.
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  /** The URL clients use. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server again on the same directory and port (after `kill` or `stop`); resolves when it answers. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error('redis test server is already running');
    // biome-ignore format: one flag and its value per pair
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--appendonly', this.settings.appendonly ?? 'yes', '--appendfsync', this.settings.appendfsync ?? 'always',
      '--daemonize', 'no', '--logfile', join(this.dir, 'redis.log'), ...(this.settings.extra ?? []),
    ];
    const child = spawn(BINARY, args, { stdio: 'ignore' });
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    try {
      await waitReady(this.port, child);
    } catch (error) {
      await this.kill();
      throw new Error(`${(error as Error).message}; log: ${this.log().slice(-400)}`);
    }
  }

  /** SIGKILLs the server (a crash: nothing is flushed) and waits for it to be gone. */
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }

  /** Stops the server cleanly (SIGTERM) and waits for it to exit. */
  stop(): Promise<void> {
    return this.#signal('SIGTERM');
  }

  /** Kills the server if it runs and removes its directory. */
  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's log, for failure messages. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A port the OS just handed out on 127.0.0.1 (free at that instant). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING; rejects when it exits first or the deadline passes. */
async function waitReady(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode})`);
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} not ready after ${READY_MS} ms`);
}

/** Whether a PING on `port` gets PONG (a server still loading its AOF answers LOADING instead). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
