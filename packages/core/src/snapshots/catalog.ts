import { guard } from '../runtime/to-store-error.js';
import { buildIndexes, catalogView } from './catalog-build.js';
import type { IndexSpecs } from './catalog-index.js';
import type { CatalogKey, CatalogView, Snapshot, SnapshotCatalog, SnapshotStore } from './types.js';

// Keyed by the frozen snapshot object the process shares for one epoch (and codec): its declared
// indexes, then the view built from them on first use. Both go when that epoch's object is dropped.
const declared = new WeakMap<Snapshot<unknown>, IndexSpecs>();
const views = new WeakMap<Snapshot<unknown>, CatalogView<unknown, Record<string, unknown>>>();
const NO_INDEXES: IndexSpecs = Object.freeze({});

/** Records the index declarations read with a snapshot record (called once per decoded epoch). */
export function declareIndexes(snap: Snapshot<unknown>, specs: IndexSpecs): void {
  declared.set(snap, specs);
}

/** The catalog view of a shared snapshot object, built on the first lookup of its epoch. */
export function viewOf<S, M extends Record<string, unknown>>(snap: Snapshot<S>): CatalogView<S, M> {
  let view = views.get(snap as Snapshot<unknown>);
  if (view === undefined) {
    const built = buildIndexes(declared.get(snap as Snapshot<unknown>) ?? NO_INDEXES, snap.snapshot);
    view = catalogView(snap as Snapshot<unknown>, built);
    views.set(snap as Snapshot<unknown>, view);
  }
  return view as unknown as CatalogView<S, M>;
}

/** `snapshots(d).catalog()`: each call polls the epoch (through `get`), then reads the epoch's view. */
export class CatalogHandle<S, M extends Record<string, unknown>> implements SnapshotCatalog<S, M> {
  readonly #snapshots: SnapshotStore<S>;

  constructor(snapshots: SnapshotStore<S>) {
    this.#snapshots = snapshots;
  }

  lookup<I extends keyof M & string>(index: I, key: CatalogKey): Promise<M[I] | undefined> {
    return guard(async () => {
      const view = await this.current();
      return view === undefined ? undefined : view.lookup(index, key);
    });
  }

  list<I extends keyof M & string>(index: I, scope?: CatalogKey): Promise<ReadonlyArray<M[I]>> {
    return guard(async () => {
      const view = await this.current();
      return view === undefined ? [] : view.list(index, scope);
    });
  }

  current(): Promise<CatalogView<S, M> | undefined> {
    return guard(async () => {
      const snap = await this.#snapshots.get();
      return snap === undefined ? undefined : viewOf<S, M>(snap);
    });
  }
}
