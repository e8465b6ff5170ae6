/**
 * PostgreSQL servers of a test's own (initdb in a temp dir, free loopback ports), for the failover and
 * two-server tests. As root they run as the `postgres` user (initdb refuses root) through runuser.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

/** The newest PostgreSQL server binaries installed, or undefined. */
function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'].every((tool) => existsSync(join(bin, tool)))) return bin;
  }
  return undefined;
}

export const BIN = serverBin();
export const IS_ROOT = process.getuid?.() === 0;
/** initdb refuses root: as root, the servers run as the `postgres` user through runuser. */
export const postgresUid = (() => {
  if (!IS_ROOT) return undefined;
  const found = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  return found.status === 0 ? Number(found.stdout.trim()) : undefined;
})();
export const SKIP = !BIN
  ? 'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed under /usr/lib/postgresql/*/bin'
  : IS_ROOT && (postgresUid === undefined || (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')))
    ? 'running as root without a postgres user and runuser: initdb refuses to run as root'
    : undefined;

export function run(tool: string, args: string[], timeoutMs = 60_000): string {
  const command = join(BIN as string, tool);
  const [file, argv] = IS_ROOT ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The postmaster's pid and those of its children (backends, walsender, …), from /proc. */
export function clusterPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(postmaster);
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

export async function query(port: number, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts a fresh server in `dataDir` on `port` (its socket in `socketDir`), with `extra` settings. */
export function startServer(dataDir: string, port: number, socketDir: string, extra: string[] = []): void {
  run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      'max_connections = 40',
      'shared_buffers = 16MB',
      ...extra,
      '',
    ].join('\n'),
  );
  run('pg_ctl', ['-D', dataDir, '-l', `${dataDir}.log`, '-w', '-t', '60', 'start']);
}

/** Stops the server in `dataDir` at once, if it runs. */
export function stopServer(dataDir: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const pgCtl = join(BIN as string, 'pg_ctl');
  const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
  spawnSync(IS_ROOT ? 'runuser' : pgCtl, IS_ROOT ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { timeout: 30_000 });
}
