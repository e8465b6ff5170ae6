import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createStore, type Store, StoreError } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { hashFile, listPlainFiles } from '../backup-files.js';
import { type BackupManifest, MANIFEST, type ManifestDomain, type ManifestFile } from '../backup-manifest.js';
import { configuredDomains, type LoadedConfig, loadConfig } from '../config.js';
import { ExportHash } from '../export-format.js';
import { inspectTarget, moveIntoPlace, readBackup, stageBackup } from '../restore-steps.js';
import { type CommandContext, withStore } from './context.js';

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
 * snapshot iteration) while writers go on, then a manifest made by reading the copy (which is itself
 * a data directory): every domain's entry count and hash, every file's size and SHA-256.
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
  let print: Awaited<ReturnType<typeof fingerprint>>;
  try {
    print = await fingerprint(copy, domains);
  } finally {
    await copy.close();
  }
  // Listed after the copy is closed, so the files are as restore will find them.
  const files: ManifestFile[] = [];
  for (const file of await listPlainFiles(outDir, MANIFEST)) files.push({ ...file, sha256: await hashFile(join(outDir, file.path)) });
  const createdAt = new Date().toISOString();
  const manifest: BackupManifest = { format: 'agentstore-backup', version: 2, createdAt, source: config.store.dataDir, ...print, files };
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
 * `restore --from <dir> [--force]`: with the application stopped, checks the whole backup before
 * writing (manifest schema, no link, hard link, special file or path outside it, every file's size
 * and SHA-256), copies it into a new directory beside the data directory, opens that copy and checks
 * every domain against the manifest, and only then moves it into place. Any refusal is `CORRUPT` and
 * leaves the data directory as it was. `--force` moves a non-empty data directory aside
 * (`<dataDir>.before-restore-<time>`), never deletes it.
 */
export async function restore(ctx: CommandContext, opts: { from: string; force?: boolean }): Promise<void> {
  const checked = await readBackup(resolve(opts.from));
  const config = await loadConfig(ctx.global.config, ctx.global.dataDir);
  const target = await inspectTarget(config.store.dataDir);
  if (!target.empty && !opts.force) {
    throw new StoreError('CONFLICT', `${config.store.dataDir} is not empty; stop the application and pass --force to move it aside`);
  }
  const { manifest } = checked;
  const stage = await stageBackup(checked, target.path);
  let rows: Array<{ domain: string; adapter: string; entries: number; status: string }>;
  try {
    const staged = await createStore({ ...config.store, dataDir: stage });
    let found: Awaited<ReturnType<typeof fingerprint>>;
    try {
      found = await fingerprint(
        staged,
        manifest.domains.map((d) => d.domain),
      );
    } finally {
      await staged.close();
    }
    rows = manifest.domains.map((want) => {
      const got = found.domains.find((d) => d.domain === want.domain);
      const ok = got !== undefined && got.entries === want.entries && got.sha256 === want.sha256;
      return { domain: want.domain, adapter: got?.adapter ?? '', entries: got?.entries ?? 0, status: ok ? 'ok' : 'MISMATCH' };
    });
    const bad = rows.filter((r) => r.status !== 'ok');
    if (bad.length > 0) {
      ctx.out.table(rows, ['domain', 'adapter', 'entries', 'status']);
      throw new StoreError(
        'CORRUPT',
        `the backup's data does not match its manifest: ${bad.map((r) => r.domain).join(', ')} (is a domain routed to another adapter than at backup time?); nothing was restored`,
      );
    }
  } catch (err) {
    await rm(stage, { recursive: true, force: true });
    throw err;
  }
  const movedAside = await moveIntoPlace(stage, target);
  ctx.out.table(rows, ['domain', 'adapter', 'entries', 'status']);
  if (movedAside) ctx.out.note(`the previous data directory was moved to ${movedAside}`);
}
