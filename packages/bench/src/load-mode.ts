/**
 * How this run loads the workspace packages. `pnpm bench` measures the built `dist`, which is what users
 * install: tsx transforms sources with esbuild's keepNames, which wraps every named closure in a
 * `__name(fn, "…")` call (a defineProperty per closure created, ~9 % of a `fast` saver put in one
 * profile), a cost no installed build has. `--conditions=source` (the quick test, a profile of unbuilt
 * code) loads the TypeScript sources instead; the run's header says which.
 */
export const FROM_SOURCES = process.execArgv.includes('--conditions=source');

/** What a run loaded its packages from, for the header and the JSON. */
export const LOADED_FROM = FROM_SOURCES ? 'TS sources via tsx' : 'built dist';

/** Node options for a child process that runs a bench TypeScript file and loads packages as this run does. */
export const CHILD_EXEC_ARGV: readonly string[] = FROM_SOURCES ? ['--conditions=source', '--import', 'tsx'] : ['--import', 'tsx'];
