/**
 * How a child script is started. By default each script is bundled once per test process with
 * esbuild (`bundle-child.mjs`) and run on bare `node`: a child then starts in ~0.1 s of CPU instead
 * of ~0.5 s under tsx, which is what makes 50 crash rounds per combination affordable.
 * `AGENTSTORE_REL_CHILDREN=tsx` runs the TypeScript sources under tsx instead (for debugging).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childScript, REPO_ROOT } from './paths.js';

const BUNDLER = childScript('../harness/bundle-child.mjs');
const bundles = new Map<string, string>();
let outRoot: string | undefined;

function bundleOf(file: string): string {
  let bundle = bundles.get(file);
  if (bundle === undefined) {
    if (outRoot === undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'agentstore-rel-bundles-'));
      outRoot = dir;
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const out = join(outRoot, String(bundles.size));
    bundle = execFileSync(process.execPath, [BUNDLER, REPO_ROOT, file, out], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 }).trim();
    bundles.set(file, bundle);
  }
  return bundle;
}

/** The node arguments that run `test/children/<script>` (a path relative to that directory). */
export function childCommand(script: string, nodeArgs: readonly string[] = []): string[] {
  const file = childScript(script);
  if (process.env.AGENTSTORE_REL_CHILDREN === 'tsx') return [...nodeArgs, '--conditions=source', '--import', 'tsx', file];
  return [...nodeArgs, bundleOf(file)];
}
