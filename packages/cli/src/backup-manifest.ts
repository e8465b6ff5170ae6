import { StoreError } from '@agentstore/core';
import { DOMAIN_NAME_PATTERN } from '@agentstore/core/admin';
import { z } from 'zod';

/** The manifest's file name, beside the copied files. */
export const MANIFEST = 'agentstore-backup.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

const manifestDomainSchema = z.strictObject({
  domain: z.string().regex(DOMAIN_NAME_PATTERN, 'a domain name'),
  adapter: z.string().min(1),
  kind: z.string().min(1).nullable(),
  entries: z.number().int().nonnegative(),
  sha256,
});

/** A file of the backup: its path relative to the backup directory (`/`-separated), size and SHA-256. */
const manifestFileSchema = z.strictObject({
  path: z.string().min(1).max(4096),
  size: z.number().int().nonnegative(),
  sha256,
});

const common = {
  format: z.literal('agentstore-backup'),
  createdAt: z.string(),
  source: z.string(),
  domains: z.array(manifestDomainSchema),
  /** Domains routed to the memory adapter: nothing on disk to copy. */
  skipped: z.array(z.string()),
};

/**
 * The manifest `backup` writes. Version 2 lists every file with its size and SHA-256, so `restore`
 * copies exactly those and checks each before the data directory is touched; version 1 (earlier
 * backups) has no list, and its files are whatever regular files the directory holds.
 */
export const backupManifestSchema = z.discriminatedUnion('version', [
  z.strictObject({ ...common, version: z.literal(1) }),
  z.strictObject({ ...common, version: z.literal(2), files: z.array(manifestFileSchema) }),
]);

/** A validated backup manifest. */
export type BackupManifest = z.output<typeof backupManifestSchema>;

/** One domain's line in the manifest. */
export type ManifestDomain = z.output<typeof manifestDomainSchema>;

/** One file's line in a version 2 manifest. */
export type ManifestFile = z.output<typeof manifestFileSchema>;

/** Parses and validates manifest text; anything else than a manifest `backup` could have written is `CORRUPT`, with the reason. */
export function parseManifest(text: string, where: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StoreError('CORRUPT', `${where}: the backup manifest is not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new StoreError('CORRUPT', `${where}: the backup manifest is malformed: ${reasons.join('; ')}`, { cause: parsed.error });
  }
  return parsed.data;
}
