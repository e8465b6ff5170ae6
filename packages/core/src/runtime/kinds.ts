import { StoreError } from '../errors.js';
import type { DomainBackend, Tx } from '../spi/backend.js';
import type { DomainKind } from '../types.js';
import { guardError, MOVED_KEY } from './migration-guard.js';

/** Core's internal keys start with bytes below 0x10; user keys never do. The kind lives at 0x00 'kind'. */
export const KIND_KEY = new Uint8Array([0x00, 0x6b, 0x69, 0x6e, 0x64]);

const KINDS: ReadonlySet<string> = new Set<DomainKind>(['kv', 'checkpoints', 'journal', 'versioned', 'snapshots', 'artifacts', 'vectors']);

/** How long a domain found without a kind record is read without looking again (see `checkRead`). */
const EMPTY_TRUSTED_MS = 1_000;

function decodeKind(bytes: Uint8Array): string {
  const kind = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (!KINDS.has(kind)) throw new StoreError('CORRUPT', `unknown domain kind record "${kind.slice(0, 32)}"`);
  return kind;
}

function wrongKind(domain: string, recorded: string, wanted: DomainKind): StoreError {
  return new StoreError('WRONG_KIND', `domain "${domain}" holds ${recorded}, not ${wanted}`);
}

/**
 * Remembers which kind each opened domain holds, so the kind record is read once per backend and
 * written in the same transaction as the domain's first write.
 */
export class KindRegistry {
  readonly #known = new WeakMap<DomainBackend, string>();
  /** Domains found without a kind record (never written), and until when (ms) that finding is trusted. */
  readonly #emptyUntil = new WeakMap<DomainBackend, number>();
  #version = 0;

  /** Changes whenever `isKnown` may answer differently for some backend (a kind recorded or forgotten). */
  get version(): number {
    return this.#version;
  }

  /** Whether `backend` is known to hold `kind` already: the hot path's check, with no await. */
  isKnown(backend: DomainBackend, kind: DomainKind): boolean {
    return this.#known.get(backend) === kind;
  }

  /** Rejects reads of a domain that holds another kind (one read, then cached). */
  async checkRead(backend: DomainBackend, domain: string, kind: DomainKind): Promise<void> {
    const known = this.#known.get(backend);
    if (known === kind) return;
    if (known !== undefined) throw wrongKind(domain, known, kind);
    // A never-written domain would otherwise cost this read on every call (a saver's empty writes
    // domain on each getTuple). Another process may write it meanwhile, so the finding is trusted
    // for a moment only; a known kind is trusted for good, so this is never less current than that.
    const emptyUntil = this.#emptyUntil.get(backend);
    if (emptyUntil !== undefined && Date.now() < emptyUntil) return;
    // The backend (GatedBackend) checks the migration guard on every read, this one included.
    const stored = await backend.get(KIND_KEY);
    if (stored === undefined) {
      this.#emptyUntil.set(backend, Date.now() + EMPTY_TRUSTED_MS);
      return;
    }
    const recorded = decodeKind(stored);
    if (recorded !== kind) throw wrongKind(domain, recorded, kind);
    this.#known.set(backend, recorded);
    this.#version++;
  }

  /** Inside a write transaction: checks the kind and records it on the domain's first write. */
  checkWrite(tx: Tx, backend: DomainBackend, domain: string, kind: DomainKind): void {
    if (this.#known.get(backend) === kind) return;
    // The migration guard was read by the backend (GatedBackend) at the start of this transaction.
    const stored = tx.get(KIND_KEY);
    if (stored === undefined) tx.put(KIND_KEY, Buffer.from(kind, 'utf8'));
    else if (decodeKind(stored) !== kind) throw wrongKind(domain, decodeKind(stored), kind);
  }

  /** Called after a write transaction committed: the kind is now on disk. */
  confirm(backend: DomainBackend, kind: DomainKind): void {
    if (this.#known.get(backend) !== kind) this.#version++;
    this.#known.set(backend, kind);
    this.#emptyUntil.delete(backend);
  }

  /** Forgets a backend's kind (after `dropDomain`). */
  forget(backend: DomainBackend): void {
    this.#known.delete(backend);
    this.#version++;
    this.#emptyUntil.delete(backend);
  }

  /**
   * Throws `MOVED` when a migration left its tombstone in this backend, `BUSY` while one is copying
   * into it (one read, uncached).
   */
  async assertNotMoved(backend: DomainBackend, domain: string): Promise<void> {
    const guard = await backend.get(MOVED_KEY);
    if (guard !== undefined) throw guardError(domain, guard);
  }

  /** The kind recorded in a domain, if any (for stats). */
  async read(backend: DomainBackend): Promise<DomainKind | undefined> {
    const stored = await backend.get(KIND_KEY);
    return stored === undefined ? undefined : (decodeKind(stored) as DomainKind);
  }
}
