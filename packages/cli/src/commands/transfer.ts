import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { DomainKind } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { announcedEntries, ExportHash, type ExportHeader, entryLine, FORMAT, openExport, VERSION } from '../export-format.js';
import { startProgress } from '../progress.js';
import { type CommandContext, withStore } from './context.js';

async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

/** `export <domain> [--out file]`: every raw entry of the domain as JSONL (stdout without `--out`). */
export async function exportDomain(ctx: CommandContext, domain: string, opts: { out?: string }): Promise<void> {
  const file: WriteStream | undefined = opts.out === undefined ? undefined : createWriteStream(opts.out);
  const stream = file ?? process.stdout;
  try {
    const summary = await withStore(
      ctx.global,
      async (store) => {
        const admin = storeAdmin(store);
        const route = await admin.open(domain);
        const kind = (await admin.kind(domain)) ?? null;
        const header: ExportHeader = {
          format: FORMAT,
          version: VERSION,
          domain,
          kind,
          adapter: route.adapter,
          exportedAt: new Date().toISOString(),
        };
        await writeLine(stream, JSON.stringify(header));
        const hash = new ExportHash();
        // Counted first (one count query) so the bar has a real total; the count can trail a live writer.
        const total = await admin.countEntries(domain);
        const progress = await startProgress(`export ${domain}`, total, !ctx.out.json);
        try {
          for await (const [key, value] of admin.entries(domain, { live: true })) {
            hash.add(key, value);
            await writeLine(stream, entryLine(key, value, kind));
            if (hash.count % 1000 === 0) progress.update(hash.count, Math.max(total, hash.count));
          }
          progress.update(hash.count, Math.max(total, hash.count));
        } finally {
          progress.stop();
        }
        const sha256 = hash.digest();
        await writeLine(stream, JSON.stringify({ end: true, entries: hash.count, sha256 }));
        return { domain, kind, adapter: route.adapter, entries: hash.count, sha256 };
      },
      'read',
    );
    if (file) {
      file.end();
      await once(file, 'close');
      ctx.out.object({ ...summary, file: opts.out });
    }
  } finally {
    if (file && !file.closed) file.destroy();
  }
}

/**
 * `import <domain> <file> [--replace]`: all or nothing. Reads and checks every entry of the file
 * (format, base64, trailer checksum, and through core each key, value, size and the kind) before
 * anything is written, then writes them in one transaction, which with `--replace` also deletes
 * the domain's old content: readers see the old content until it commits, whatever happens first.
 */
export async function importDomain(ctx: CommandContext, domain: string, file: string, opts: { replace?: boolean }): Promise<void> {
  const parsed = await openExport(file);
  const kind = parsed.header.kind;
  const written = await withStore(ctx.global, async (store) => {
    const total = (await announcedEntries(file)) ?? 0;
    const progress = await startProgress(`import ${domain}`, total, !ctx.out.json);
    try {
      return await storeAdmin(store).load(domain, parsed.entries(), {
        kind: kind === null ? null : (kind as DomainKind),
        replace: opts.replace === true,
        onProgress: (n) => progress.update(n, Math.max(total, n)),
        onChecked: (n) => {
          progress.stop();
          ctx.out.note(`checked ${n} entries of ${file}; writing them in one transaction`);
        },
      });
    } finally {
      progress.stop();
    }
  });
  ctx.out.object({ domain, from: file, kind, entries: written });
}
