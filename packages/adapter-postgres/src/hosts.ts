import { StoreError } from '@agentstore/core/spi';

/**
 * libpq's multi-host connection strings, which `pg` does not understand: `postgres://u@a:5432,b:5433/db?
 * target_session_attrs=read-write` or `host=a,b port=5432,5433 user=u dbname=db target_session_attrs=read-write`.
 * They are split into one single-host URL per server, tried in order (`failover-pool.ts`).
 */
export interface HostList {
  /** One connection string per server, in the order given. */
  readonly targets: readonly string[];
  /** `target_session_attrs=read-write` (or `primary`): only a server that accepts writes will do. */
  readonly readWrite: boolean;
}

const KEYWORDS = new Set([
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'target_session_attrs',
  'sslmode',
  'connect_timeout',
  'application_name',
]);

/** The servers of `connectionString`; undefined when it names one server and no session attributes (then `pg` takes it as is). */
export function parseHostList(connectionString: string): HostList | undefined {
  return /^postgres(ql)?:\/\//i.test(connectionString) ? fromUrl(connectionString) : fromKeywords(connectionString);
}

function attrs(value: string | undefined): boolean {
  if (value === undefined || value === 'any') return false;
  if (value === 'read-write' || value === 'primary') return true;
  throw new StoreError('INVALID_OPTIONS', `postgres: target_session_attrs=${value} is not supported (any, read-write, primary)`);
}

function fromUrl(url: string): HostList | undefined {
  const match = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/i.exec(url);
  if (match === null) return undefined;
  const [, scheme, auth = '', hosts = '', rest = ''] = match;
  const [path, query = ''] = rest.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  const wanted = params.get('target_session_attrs') ?? undefined;
  if (!hosts.includes(',') && wanted === undefined) return undefined;
  params.delete('target_session_attrs');
  const tail = params.size > 0 ? `${path}?${params}` : path;
  return { targets: hosts.split(',').map((host) => `${scheme}${auth}${host}${tail}`), readWrite: attrs(wanted) };
}

function fromKeywords(text: string): HostList | undefined {
  const pairs = new Map<string, string>();
  for (const match of text.matchAll(/\s*([a-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/g)) {
    const [, key = '', raw = ''] = match;
    if (!KEYWORDS.has(key)) throw new StoreError('INVALID_OPTIONS', `postgres: connection keyword ${key} is not supported here; use a URL`);
    pairs.set(key, raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  if (pairs.size === 0) return undefined;
  const hosts = (pairs.get('host') ?? '127.0.0.1').split(',');
  const ports = (pairs.get('port') ?? '5432').split(',');
  const user = pairs.get('user');
  const password = pairs.get('password');
  const auth = user === undefined ? '' : `${encodeURIComponent(user)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  const params = new URLSearchParams();
  for (const key of ['sslmode', 'connect_timeout', 'application_name']) {
    const value = pairs.get(key);
    if (value !== undefined) params.set(key, value);
  }
  const query = params.size > 0 ? `?${params}` : '';
  const db = encodeURIComponent(pairs.get('dbname') ?? user ?? 'postgres');
  const targets = hosts.map((host, i) => `postgres://${auth}${host}:${ports[i] ?? ports[0]}/${db}${query}`);
  return { targets, readWrite: attrs(pairs.get('target_session_attrs')) };
}
