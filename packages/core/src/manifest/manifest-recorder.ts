import { DataDir } from '../paths/data-dir.js';
import type { NormalizedRoute } from '../runtime/types.js';
import type { Adapter } from '../spi/adapter.js';
import type { DomainKind } from '../types.js';
import { type ManifestRoute, readManifest, removeManifestRecord, sameRoute, writeManifestRecord } from './manifest-file.js';
import { publicOptions } from './public-options.js';

/**
 * Records in dataDir's manifest the route of every domain a store opens on a persistent adapter, with
 * its kind once written, so that a later process (the CLI, a second application) finds every domain
 * without a config file. A record is written only when it differs from what the manifest holds, so an
 * application reopening the same routes writes nothing after its first run.
 */
export class ManifestRecorder {
  readonly #dataDir: DataDir;
  readonly #adapters: ReadonlyMap<string, Adapter>;
  readonly #defaultRoute: NormalizedRoute;
  /** What this process believes the manifest holds (read once, updated as it writes). */
  #known: Map<string, ManifestRoute> | undefined;
  #defaultRecorded = false;
  #warned = false;

  constructor(dataDir: string, adapters: ReadonlyMap<string, Adapter>, defaultRoute: NormalizedRoute) {
    this.#dataDir = new DataDir(dataDir);
    this.#adapters = adapters;
    this.#defaultRoute = defaultRoute;
  }

  /** After `domain` was opened on `route` (and so created where it did not exist). */
  opened(domain: string, route: NormalizedRoute): void {
    if (!this.#persistent(route.adapter)) return;
    const known = this.#load();
    const previous = known.get(domain);
    const next: ManifestRoute = {
      adapter: route.adapter,
      options: publicOptions(route.options),
      // A domain keeps its kind when it moves (a migration copies the kind record with the data).
      ...(previous?.kind !== undefined && { kind: previous.kind }),
    };
    this.#write(domain, next);
    if (!this.#defaultRecorded && this.#persistent(this.#defaultRoute.adapter)) {
      this.#defaultRecorded = true;
      this.#write(undefined, { adapter: this.#defaultRoute.adapter, options: publicOptions(this.#defaultRoute.options) });
    }
  }

  /** After the first write of `domain` (routed on `route`) recorded its kind. Never throws. */
  kind(domain: string, route: NormalizedRoute, kind: DomainKind): void {
    if (!this.#persistent(route.adapter)) return;
    try {
      const previous = this.#load().get(domain);
      if (previous?.kind === kind && previous.adapter === route.adapter) return;
      this.#write(domain, { adapter: route.adapter, options: publicOptions(route.options), kind });
    } catch (err) {
      // The data is written; a manifest that lacks a kind only shows less.
      if (!this.#warned) {
        this.#warned = true;
        process.emitWarning(`agentstore: could not record the kind of "${domain}" in the manifest: ${String(err)}`, {
          code: 'AGENTSTORE_MANIFEST',
        });
      }
    }
  }

  /** After `domain` was dropped: its record goes, so later processes no longer look for it. */
  dropped(domain: string): void {
    const known = this.#load();
    if (this.#dataDir.root(false) !== undefined) removeManifestRecord(this.#dataDir, domain);
    known.delete(domain);
  }

  #persistent(adapter: string): boolean {
    return this.#adapters.get(adapter)?.capabilities.persistent === true;
  }

  #load(): Map<string, ManifestRoute> {
    if (this.#known) return this.#known;
    const root = this.#dataDir.root(false);
    const manifest = root === undefined ? undefined : readManifest(root);
    this.#known = new Map(Object.entries(manifest?.domains ?? {}));
    if (manifest?.default) this.#known.set('\u0000default', manifest.default);
    return this.#known;
  }

  #write(domain: string | undefined, route: ManifestRoute): void {
    const known = this.#load();
    const key = domain ?? '\u0000default';
    if (sameRoute(known.get(key), route)) return;
    writeManifestRecord(this.#dataDir, domain, route);
    known.set(key, route);
  }
}
