import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { RouteConfig } from '../runtime/types.js';

/** The config file looked for in the working directory when none is named. */
export const DEFAULT_CONFIG_FILE = 'agentstore.config.json';

/** Where an adapter comes from: a module specifier and, optionally, its export and the name its routes use. */
export interface AdapterRef {
  /** The name routes use; known before loading, so a module is loaded only when a route needs it. */
  readonly name?: string;
  /** Module specifier: a package name, or a path relative to the config file. */
  readonly module: string;
  /** Named export holding the adapter; default: the export whose `name` matches, else `default`. */
  readonly export?: string;
}

/** A config file read and checked (nothing imported yet). */
export interface ConfigFile {
  /** Absolute path of the file (whether or not it exists). */
  readonly file: string;
  readonly exists: boolean;
  /** The JSON as written. */
  readonly json: Readonly<Record<string, unknown>>;
  /** Absolute data directory (a relative one is taken from the file's directory). */
  readonly dataDir: string;
  readonly default?: RouteConfig;
  readonly domains?: Readonly<Record<string, RouteConfig>>;
  /** The adapters it names, by ref (the built-in ones as their package's ref). */
  readonly adapters: readonly AdapterRef[];
}

/** The packages of the adapters agentstore ships, by the name routes use. */
export const BUILTIN_ADAPTERS: Readonly<Record<string, AdapterRef>> = {
  sqlite: { name: 'sqlite', module: '@agentstore/adapter-sqlite', export: 'sqliteAdapter' },
  lmdb: { name: 'lmdb', module: '@agentstore/adapter-lmdb', export: 'lmdbAdapter' },
  level: { name: 'level', module: '@agentstore/adapter-level', export: 'levelAdapter' },
  postgres: { name: 'postgres', module: '@agentstore/adapter-postgres', export: 'postgresAdapter' },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(file: string, message: string): StoreError {
  return new StoreError('INVALID_OPTIONS', `config file ${file}: ${message}`, { issues: [{ path: [file], message }] });
}

function adapterRef(file: string, entry: unknown): AdapterRef | undefined {
  if (typeof entry === 'string') {
    if (entry === 'memory') return undefined;
    const builtin = BUILTIN_ADAPTERS[entry];
    if (builtin) return builtin;
    // Anything that is not a plain name is a module specifier (`./my-adapter.js`, `@acme/adapter-x`).
    if (/[./@]/.test(entry)) return { module: entry };
    throw new StoreError(
      'INVALID_ADAPTER',
      `config file ${file}: no adapter "${entry}" ships with agentstore (${Object.keys(BUILTIN_ADAPTERS).join(', ')}); name a module instead`,
    );
  }
  if (isObject(entry) && typeof entry.module === 'string') {
    if (entry.name !== undefined && typeof entry.name !== 'string') throw invalid(file, '"adapters[].name" must be a string');
    if (entry.export !== undefined && typeof entry.export !== 'string') throw invalid(file, '"adapters[].export" must be a string');
    return {
      module: entry.module,
      ...(typeof entry.name === 'string' && { name: entry.name }),
      ...(typeof entry.export === 'string' && { export: entry.export }),
    };
  }
  throw invalid(file, '"adapters" lists adapter names, module specifiers or { "name", "module", "export" } objects');
}

/**
 * Reads `agentstore.config.json` (or `path`): `dataDir`, `default`, `domains` and `adapters` (names of
 * the built-in adapters, module specifiers, or `{ name, module, export }`). A missing default file is an
 * empty config; a missing named file is `NOT_FOUND`. `dataDirOverride` (the CLI's `--data-dir`) is taken
 * from the working directory. Imports nothing: see {@link loadAdapters}.
 */
export function readConfigFile(path?: string, dataDirOverride?: string): ConfigFile {
  const file = resolve(path ?? DEFAULT_CONFIG_FILE);
  const exists = existsSync(file);
  if (!exists && path !== undefined) throw new StoreError('NOT_FOUND', `config file ${file} does not exist`);
  let json: Record<string, unknown> = {};
  if (exists) {
    if (file.endsWith('.ts')) throw invalid(file, 'only JSON config files are read (agentstore.config.json)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new StoreError('INVALID_OPTIONS', `config file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!isObject(parsed)) throw invalid(file, 'the top level must be an object');
    json = parsed;
  }
  const list = json.adapters ?? Object.keys(BUILTIN_ADAPTERS);
  if (!Array.isArray(list)) throw invalid(file, '"adapters" must be a list');
  const adapters = list.map((entry) => adapterRef(file, entry)).filter((ref): ref is AdapterRef => ref !== undefined);
  if (json.dataDir !== undefined && typeof json.dataDir !== 'string') throw invalid(file, '"dataDir" must be a string');
  if (json.default !== undefined && !isObject(json.default)) throw invalid(file, '"default" must be a route');
  if (json.domains !== undefined && !isObject(json.domains)) throw invalid(file, '"domains" must map domain names to routes');
  const rawDir = dataDirOverride ?? (json.dataDir as string | undefined) ?? '.agentstore';
  const base = dataDirOverride === undefined ? dirname(file) : process.cwd();
  return {
    file,
    exists,
    json,
    dataDir: isAbsolute(rawDir) ? rawDir : resolve(base, rawDir),
    adapters,
    ...(json.default !== undefined && { default: json.default as unknown as RouteConfig }),
    ...(json.domains !== undefined && { domains: json.domains as Record<string, RouteConfig> }),
  };
}
