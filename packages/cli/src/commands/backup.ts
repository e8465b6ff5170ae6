import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createStore, type Store, StoreError, storeAdmin } from '@agentstore/core';
import { configuredDomains, type LoadedConfig, loadConfig } from '../config.js';
import { ExportHash } from '../export-format.js';
import { type CommandContext, withStore } from './context.js';

/** The manifest a backup writes beside the copied files. */
const MANIFEST = 'agentstore-backup.json';

interface ManifestDomain {
  readonly domain: string;
  readonly adapter: string;
  readonly kind: string | null;
  readonly entries: number;
  readonly sha256: string;
}

interface Manifest {
  readonly format: 'agentstore-backup';
  readonly version: 1;
  readonly createdAt: string;
  readonly source: string;
  readonly domains: ManifestDomain[];
  /** Domains routed to the memory adapter: nothing on disk to copy. */
  readonly skipped: string[];
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return !existsSync(dir) || (await readdir(dir)).length === 0;
}

/** Entry count and SHA-256 of every persistent domain, read through `store` (for the manifest and its check). */
async function fingerprint(store: Store, domains: Iterable<string>): Promise<{ domains: ManifestDomain[]; skipped: string[] }> {
  const admin = storeAdmin(store);
  const out: ManifestDomain[] = [];
  const skipped: string[] = [];
  for (const domain of [...domains].sort()) {
    const adapter = store.adapterOf(domain);
    if (adapter === 'memory') {
      skipped.push(domain);
      continue;
    }
    const hash = new ExportHash();
    for await (const [k, v] of admin.entries(domain)) hash.add(k, v);
    out.push({ domain, adapter, kind: (await admin.kind(domain)) ?? null, entries: hash.count, sha256: hash.digest() });
  }
  return { domains: out, skipped };
}

/** Every domain the config routes or the store holds on its routed adapters (moved ones left out). */
async function domainsOf(store: Store, config: LoadedConfig): Promise<Set<string>> {
  const domains = new Set(configuredDomains(config));
  for (const l of await storeAdmin(store).domains()) if (l.routed && !l.movedTo) domains.add(l.domain);
  return domains;
}

/**
 * `backup --out <dir>`: each adapter's online backup (SQLite backup API, LMDB environment copy, LevelDB
 * snapshot iteration) while writers go on, then a manifest made by reading the copy, which is itself
 * a data directory.
 */
export async function backup(ctx: CommandContext, opts: { out: string }): Promise<void> {
  const outDir = resolve(opts.out);
  if (!(await isEmptyDir(outDir))) throw new StoreError('CONFLICT', `${outDir} is not empty`);
  await mkdir(outDir, { recursive: true });
  const { domains, config, adapters } = await withStore(ctx.global, async (store, loaded) => {
    const admin = storeAdmin(store);
    const found = await domainsOf(store, loaded);
    for (const domain of found) await admin.open(domain); // so each adapter knows every file to copy
    const hooks = await admin.backup(outDir);
    return { domains: found, config: loaded, adapters: hooks };
  });
  const copy = await createStore({ ...config.store, dataDir: outDir });
  let manifest: Manifest;
  try {
    const print = await fingerprint(copy, domains);
    manifest = { format: 'agentstore-backup', version: 1, createdAt: new Date().toISOString(), source: config.store.dataDir, ...print };
  } finally {
    await copy.close();
  }
  await writeFile(resolve(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.out.table(
    manifest.domains.map((d) => ({
      domain: d.domain,
      adapter: d.adapter,
      kind: d.kind,
      entries: d.entries,
      sha256: d.sha256.slice(0, 16),
    })),
    ['domain', 'adapter', 'kind', 'entries', 'sha256'],
  );
  const unsupported = adapters.filter((a) => !a.supported).map((a) => a.adapter);
  ctx.out.note(`backup written to ${outDir}${unsupported.length ? ` (not persistent, skipped: ${unsupported.join(', ')})` : ''}`);
}

/**
 * `restore --from <dir> [--force]`: copies a backup into the config's (empty) data directory, with the
 * application stopped, then checks every domain against the manifest. `--force` moves a non-empty
 * data directory aside first (`<dataDir>.before-restore-<time>`), never deletes it.
 */
export async function restore(ctx: CommandContext, opts: { from: string; force?: boolean }): Promise<void> {
  const from = resolve(opts.from);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(resolve(from, MANIFEST), 'utf8')) as Manifest;
  } catch (err) {
    throw new StoreError('CORRUPT', `${from} holds no readable ${MANIFEST}: not a backup`, { cause: err });
  }
  const config = await loadConfig(ctx.global.config, ctx.global.dataDir);
  const dataDir = config.store.dataDir;
  let movedAside: string | undefined;
  if (!(await isEmptyDir(dataDir))) {
    if (!opts.force) throw new StoreError('CONFLICT', `${dataDir} is not empty; stop the application and pass --force to move it aside`);
    movedAside = `${dataDir}.before-restore-${Date.now()}`;
    await rename(dataDir, movedAside);
  }
  await cp(from, dataDir, { recursive: true, filter: (src) => basename(src) !== MANIFEST });
  const checked = await withStore(ctx.global, (store) =>
    fingerprint(
      store,
      manifest.domains.map((d) => d.domain),
    ),
  );
  const rows = manifest.domains.map((want) => {
    const got = checked.domains.find((d) => d.domain === want.domain);
    const ok = got !== undefined && got.entries === want.entries && got.sha256 === want.sha256;
    return { domain: want.domain, adapter: got?.adapter ?? '', entries: got?.entries ?? 0, status: ok ? 'ok' : 'MISMATCH' };
  });
  ctx.out.table(rows, ['domain', 'adapter', 'entries', 'status']);
  if (movedAside) ctx.out.note(`the previous data directory was moved to ${movedAside}`);
  const bad = rows.filter((r) => r.status !== 'ok');
  if (bad.length > 0) {
    throw new StoreError(
      'CORRUPT',
      `restored data does not match the backup manifest: ${bad.map((r) => r.domain).join(', ')} (is a domain routed to another adapter than at backup time?)`,
    );
  }
}
