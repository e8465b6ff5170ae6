import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoreError } from '../errors.js';
import type { Adapter } from '../spi/adapter.js';
import type { AdapterRef } from './config-file.js';

/** How {@link loadAdapters} finds modules. */
export interface LoadAdaptersOptions {
  /** The config file: relative specifiers and packages are resolved from its directory first. */
  readonly configFile: string;
  /** Only the refs whose name is in this set (refs without a name are always loaded). */
  readonly only?: ReadonlySet<string>;
  /**
   * Importers tried before resolving from the config's directory, by module specifier: a tool (the
   * CLI) passes `() => import('@agentstore/adapter-sqlite')` for the packages it depends on itself.
   */
  readonly importers?: Readonly<Record<string, () => Promise<Record<string, unknown>>>>;
}

function looksLikeAdapter(value: unknown): value is Adapter {
  const a = value as Partial<Adapter> | null;
  return a !== null && typeof a === 'object' && typeof a.name === 'string' && typeof a.open === 'function';
}

async function importFrom(configFile: string, specifier: string): Promise<Record<string, unknown>> {
  let resolved: string;
  try {
    resolved = specifier.startsWith('.') ? join(dirname(configFile), specifier) : createRequire(configFile).resolve(specifier);
  } catch {
    // A package that only exports for `import` cannot be resolved with require: import it by name.
    return (await import(specifier)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
}

function pick(ref: AdapterRef, mod: Record<string, unknown>): Adapter {
  const chosen =
    ref.export !== undefined
      ? mod[ref.export]
      : (Object.values(mod).find((v) => looksLikeAdapter(v) && (ref.name === undefined || v.name === ref.name)) ?? mod.default);
  if (!looksLikeAdapter(chosen)) {
    throw new StoreError('INVALID_ADAPTER', `module "${ref.module}" exports no adapter${ref.export ? ` named ${ref.export}` : ''}`);
  }
  if (ref.name !== undefined && chosen.name !== ref.name) {
    throw new StoreError('INVALID_ADAPTER', `module "${ref.module}" gives adapter "${chosen.name}", not "${ref.name}"`);
  }
  return chosen;
}

/**
 * Imports the adapters `refs` name (only those in `options.only` when given), so that a process loads
 * the engines its routes use and no other. A module that is missing or exports no adapter is
 * `INVALID_ADAPTER`.
 */
export async function loadAdapters(refs: readonly AdapterRef[], options: LoadAdaptersOptions): Promise<Adapter[]> {
  const wanted = refs.filter((ref) => ref.name === undefined || options.only === undefined || options.only.has(ref.name));
  return Promise.all(
    wanted.map(async (ref) => {
      let mod: Record<string, unknown>;
      try {
        const importer = options.importers?.[ref.module];
        mod = importer ? await importer() : await importFrom(options.configFile, ref.module);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw new StoreError(
          'INVALID_ADAPTER',
          `cannot load adapter module "${ref.module}": ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
      return pick(ref, mod);
    }),
  );
}
