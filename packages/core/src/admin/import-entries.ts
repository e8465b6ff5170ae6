import { StoreError } from '../errors.js';
import { compareBytes, equalBytes } from '../keys/index.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { KIND_KEY } from '../runtime/kinds.js';
import { guardError, MOVED_KEY } from '../runtime/migration-guard.js';
import type { StoreContext } from '../runtime/store-context.js';
import type { Tx } from '../spi/backend.js';
import type { DomainKind } from '../types.js';
import { ImportCheck, isDomainKind } from './import-check.js';

/** How `StoreAdmin.load` fills a domain. */
export interface ImportOptions {
  /** The kind the input says it holds (null: none, an empty domain); its kind record must agree. */
  readonly kind?: DomainKind | null;
  /** Replace the domain's content; without it the domain must be empty (`CONFLICT`). */
  readonly replace?: boolean;
  /** Called every 1,000 entries read and checked. */
  readonly onProgress?: (checked: number) => void;
  /** Called once every entry has been read and checked, just before the one write transaction. */
  readonly onChecked?: (entries: number) => void;
}

type Row = [key: Uint8Array, value: Uint8Array];

const textOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/**
 * Fills `d` with raw entries (an export), all or nothing. Every entry is read and checked
 * ({@link ImportCheck}) and kept in memory before anything is written; then one transaction checks
 * the target again (not moved, empty or of the same kind) and, with `replace`, deletes the old
 * entries and writes the new ones. Until that transaction commits every reader sees the old
 * content; a failure or a killed process at any point leaves it whole. The price is memory: the
 * input's keys and values, plus with `replace` the old content the transaction reads.
 */
export async function importEntries(
  ctx: StoreContext,
  d: OpenDomain,
  entries: AsyncIterable<Row>,
  opts: ImportOptions = {},
): Promise<number> {
  const replace = opts.replace === true;
  if (opts.kind != null && !isDomainKind(opts.kind))
    throw new StoreError('CORRUPT', `the input names no known kind ("${String(opts.kind).slice(0, 32)}")`);
  await precheck(ctx, d, opts.kind, replace);
  const check = new ImportCheck(opts.kind, d.options.maxValueBytes);
  const rows: Row[] = [];
  for await (const row of entries) {
    check.add(row[0], row[1]);
    rows.push(row);
    if (check.count % 1000 === 0) opts.onProgress?.(check.count);
  }
  check.finish();
  opts.onChecked?.(rows.length);
  if (replace) await ctx.flushState(d.backend);
  const kind = check.kind;
  try {
    await d.backend.transact((tx) => replaceAll(tx, d.domain, rows, kind, replace));
  } finally {
    // The kind record was written behind the registry's back: read it afresh next time.
    ctx.kinds.forget(d.backend);
  }
  return rows.length;
}

/** Refuses at once what the target alone decides, before a large input is read. */
async function precheck(ctx: StoreContext, d: OpenDomain, kind: DomainKind | null | undefined, replace: boolean): Promise<void> {
  if (!replace) {
    if ((await d.backend.count({ limit: 1 })) > 0) throw notEmpty(d.domain);
    return;
  }
  const recorded = await ctx.kinds.read(d.backend);
  if (kind && recorded !== undefined && recorded !== kind) throw wrongKind(d.domain, recorded, kind);
}

/**
 * The one write transaction. Reads come first: a backend that fetches a range it cannot read
 * synchronously (level, postgres) re-runs the function after the fetch, and a run stopped before
 * its writes wastes none. The range is the whole domain on purpose: replacing means deleting every
 * old key the input does not hold, in the same commit that writes the new ones.
 */
function replaceAll(tx: Tx, domain: string, rows: readonly Row[], kind: DomainKind | undefined, replace: boolean): void {
  const moved = tx.get(MOVED_KEY);
  if (moved !== undefined) throw guardError(domain, moved);
  const recorded = tx.get(KIND_KEY);
  const old = tx.range(replace ? {} : { limit: 1 });
  if (!replace && old.length > 0) throw notEmpty(domain);
  if (kind !== undefined && recorded !== undefined && textOf(recorded) !== kind) throw wrongKind(domain, textOf(recorded), kind);
  // Both lists are in key order: one merge walk finds the old keys the input does not overwrite.
  let next = 0;
  for (const [key] of old) {
    while (next < rows.length && compareBytes((rows[next] as Row)[0], key) < 0) next++;
    const row = rows[next];
    if (row === undefined || !equalBytes(row[0], key)) tx.del(key);
  }
  for (const [key, value] of rows) tx.put(key, value);
}

function notEmpty(domain: string): StoreError {
  return new StoreError('CONFLICT', `domain "${domain}" is not empty; import into an empty domain (or replace it)`);
}

function wrongKind(domain: string, recorded: string, kind: string): StoreError {
  return new StoreError('WRONG_KIND', `domain "${domain}" holds ${recorded}; the import holds ${kind}`);
}
