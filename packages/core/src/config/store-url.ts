import { StoreError } from '../errors.js';

/** Adapters a store URL can name, by scheme. */
export type UrlAdapter = 'sqlite' | 'lmdb' | 'level' | 'postgres' | 'memory';

/** What a store URL (or a bare path) says: which adapter, where its files go, and its route options. */
export interface ParsedStoreUrl {
  /** The adapter named by the scheme; undefined for a bare path (the installed file adapter is used). */
  readonly adapter: UrlAdapter | undefined;
  /** The data directory the URL names (file schemes and bare paths); undefined otherwise. */
  readonly dataDir: string | undefined;
  /** Options of the default route (a PostgreSQL URL becomes `connectionString`). */
  readonly options: Readonly<Record<string, unknown>>;
}

const FILE_SCHEMES: ReadonlySet<string> = new Set(['sqlite', 'lmdb', 'level']);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Replaces the password of a URL with `***`: the only form of a store URL that may appear in a
 * message, because connection strings carry credentials.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@');
}

/**
 * Parses `createStore`'s short form. Schemes: `sqlite:<dir>`, `lmdb:<dir>`, `level:<dir>`, `memory:`,
 * `postgres://…` / `postgresql://…`; any other string without a `scheme://` is a data directory path.
 * An empty `<dir>` means the default data directory.
 */
export function parseStoreUrl(url: string): ParsedStoreUrl {
  if (typeof url !== 'string' || url.length === 0 || url.includes('\u0000')) {
    throw new StoreError('INVALID_OPTIONS', 'a store URL must be a non-empty string', {
      issues: [{ path: ['url'], message: 'not a non-empty string' }],
    });
  }
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  // A one-letter scheme is a Windows drive (C:\data), and an unknown scheme without `//` is a path.
  if (scheme === undefined || scheme.length === 1) return { adapter: undefined, dataDir: url, options: {} };
  const rest = url.slice(scheme.length + 1);
  if (scheme === 'postgres' || scheme === 'postgresql')
    return { adapter: 'postgres', dataDir: undefined, options: { connectionString: url } };
  if (scheme === 'memory') {
    if (rest !== '' && rest !== '//') throw unknownUrl(url, 'memory: takes no location');
    return { adapter: 'memory', dataDir: undefined, options: {} };
  }
  if (FILE_SCHEMES.has(scheme)) {
    const dir = rest.startsWith('//') ? rest.slice(2) : rest;
    return { adapter: scheme as UrlAdapter, dataDir: dir === '' ? undefined : dir, options: {} };
  }
  if (rest.startsWith('//')) throw unknownUrl(url, `unknown scheme "${scheme}:"`);
  return { adapter: undefined, dataDir: url, options: {} };
}

function unknownUrl(url: string, why: string): StoreError {
  const message = `store URL ${redactUrl(url)}: ${why}; use sqlite:, lmdb:, level:, memory: or postgres://, or a directory path`;
  return new StoreError('INVALID_OPTIONS', message, { issues: [{ path: ['url'], message: why }] });
}
