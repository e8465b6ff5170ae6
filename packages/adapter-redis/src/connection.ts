import { type Durability, StoreError } from '@agentstore/core/spi';
import { Redis } from 'ioredis';
import { translateError } from './errors.js';
import { SCRIPTS } from './scripts.js';

type Arg = string | Buffer | Uint8Array | number;
type Reply = Buffer | null | number | Reply[];
type Script = (z: string, h: string, v: string, ...args: Arg[]) => Promise<Reply>;

/** The client with the scripts of `scripts.ts` (their `…Buffer` forms return bytes, never strings). */
export type ScriptedClient = Redis & { readonly [K in `${keyof typeof SCRIPTS}Buffer`]: Script };

/** The server's persistence, read at open; `unknown` explains why a setting could not be read. */
export interface Persistence {
  readonly appendonly: string | undefined;
  readonly appendfsync: string | undefined;
  readonly unknown?: string;
}

/** One client per server URL and adapter instance, shared by the domains routed there. */
export class Connection {
  readonly client: ScriptedClient;
  readonly url: string;
  #persistence: Promise<Persistence> | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(url: string, connectTimeoutMs: number) {
    this.url = url;
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      // A command in flight when the connection drops fails (IO) instead of being sent again: a commit
      // sent twice could apply twice, and one whose reply was lost has an unknown outcome.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(50 * times, 1000),
    });
    client.on('error', () => {}); // every failure reaches the command that meets it
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 3, lua });
    this.client = client as ScriptedClient;
  }

  /** Connects once; `IO` when the server cannot be reached. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(this.translate(undefined, 'connecting'));
    this.#ready ??= this.client.connect().catch((error: unknown) => {
      this.#ready = undefined;
      throw this.translate(error, `connecting to ${redact(this.url)}`);
    });
    return this.#ready;
  }

  /** Runs `run` on the client; a failure becomes a `StoreError` (`translate`). */
  async call<T>(doing: string, run: (client: ScriptedClient) => Promise<T>): Promise<T> {
    try {
      return await run(this.client);
    } catch (error) {
      throw this.translate(error, doing);
    }
  }

  /** The `StoreError` for a failed call: `CLOSED` once the store closed this connection, else `translateError`'s. */
  translate(error: unknown, doing: string): unknown {
    if (this.#closed) return new StoreError('CLOSED', `redis: ${doing}: the store is closed`, { cause: error });
    return translateError(error, doing);
  }

  /** Refuses a durability the server's persistence cannot give (`UNSUPPORTED`, naming the setting to change). */
  async requireDurability(durability: Durability): Promise<void> {
    if (durability === 'fast') return;
    this.#persistence ??= readPersistence(this.client).catch((error: unknown) => {
      this.#persistence = undefined;
      throw this.translate(error, 'reading the persistence settings');
    });
    const { appendonly, appendfsync, unknown } = await this.#persistence;
    const where = `redis at ${redact(this.url)}`;
    if (appendonly !== 'yes') {
      const why = appendonly === undefined ? `cannot tell whether AOF is on (${unknown})` : 'has appendonly no';
      throw new StoreError('UNSUPPORTED', `${where} ${why}: durability '${durability}' needs appendonly yes (or use 'fast')`);
    }
    if (durability === 'strict' && appendfsync !== 'always') {
      const why = appendfsync === undefined ? `cannot tell its appendfsync (${unknown})` : `has appendfsync ${appendfsync}`;
      throw new StoreError('UNSUPPORTED', `${where} ${why}: durability 'strict' needs appendfsync always (or use 'balanced')`);
    }
  }

  /** Closes the client, waiting for replies still due. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}

/** CONFIG GET where allowed; a server that disabled CONFIG still tells `aof_enabled` in INFO. */
async function readPersistence(client: Redis): Promise<Persistence> {
  try {
    const pairs = (await client.config('GET', 'append*')) as string[];
    const config = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) config.set(pairs[i] as string, pairs[i + 1] as string);
    return { appendonly: config.get('appendonly'), appendfsync: config.get('appendfsync') };
  } catch (error) {
    if ((error as Error).name !== 'ReplyError') throw error; // the connection, not a disabled CONFIG
    const unknown = `CONFIG GET failed: ${(error as Error).message}`;
    const info = await client.info('persistence').catch(() => '');
    const aof = /^aof_enabled:(\d)/m.exec(info)?.[1];
    return { appendonly: aof === undefined ? undefined : aof === '1' ? 'yes' : 'no', appendfsync: undefined, unknown };
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}
