// Bundles one child script (TypeScript, workspace packages through their `source` condition) into
// plain ESM with esbuild, so a child process starts on bare `node` instead of paying tsx's loader and
// per-module transforms on every start (about 0.5 s of CPU each, the main cost of the crash rounds).
// Run as `node bundle-child.mjs <repoRoot> <entry.ts> <outdir>`; prints the bundle's path.
//
// - Workspace packages (@agentstore/*) and relative imports are bundled; every other package stays
//   external, imported by its absolute path as resolved from the importing file (pnpm's strict layout
//   would not find it from the output directory).
// - `import.meta.url` is replaced by the original file's URL, so code that resolves files or
//   packages next to itself (createRequire(import.meta.url)) behaves as it does from source.
// - Code splitting keeps lazily imported modules (the adapters) in their own chunks: a child loads
//   only the adapter it uses, and its native addon only then.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [repoRoot, entry, outdir] = process.argv.slice(2);
if (!repoRoot || !entry || !outdir) throw new Error('usage: bundle-child.mjs <repoRoot> <entry.ts> <outdir>');
const fromRoot = createRequire(join(repoRoot, 'package.json'));
// esbuild is tsx's own dependency (tsx is a root devDependency): the same compiler the tsx path uses.
const esbuild = createRequire(fromRoot.resolve('tsx'))('esbuild');

const externals = {
  name: 'externals-by-absolute-path',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.path.startsWith('@agentstore/') || args.pluginData === 'inner') return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: true };
    });
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = source.includes('import.meta.url')
        ? source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        : source;
      return { contents, loader: 'ts' };
    });
  },
};

await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  conditions: ['source'],
  logLevel: 'error',
  plugins: [externals],
});
process.stdout.write(join(outdir, `${basename(entry).replace(/\.[cm]?ts$/, '')}.mjs`));
