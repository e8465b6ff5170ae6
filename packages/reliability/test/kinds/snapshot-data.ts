/** The snapshots both sides agree on: generation `gen` of a catalog of `items` entries. */
export interface Catalog {
  readonly gen: number;
  readonly items: ReadonlyArray<{ readonly id: number; readonly gen: number; readonly label: string }>;
}

/** Generation `gen` of the catalog (about 45 bytes per item encoded). */
export function catalog(gen: number, items: number): Catalog {
  return { gen, items: Array.from({ length: items }, (_, id) => ({ id, gen, label: `model-${id}-generation-${gen}` })) };
}

/** What is wrong with a snapshot read as `epoch` with `opts` (empty when it is one whole swap). */
export function checkCatalog(snapshot: Catalog, epoch: number, opts: Readonly<Record<string, unknown>>, items: number): string[] {
  const problems: string[] = [];
  if (snapshot.gen !== epoch) problems.push(`epoch ${epoch} holds generation ${snapshot.gen}`);
  if (opts.gen !== snapshot.gen) problems.push(`generation ${snapshot.gen} came with opts of generation ${String(opts.gen)}`);
  if (snapshot.items.length !== items) problems.push(`generation ${snapshot.gen} has ${snapshot.items.length} items`);
  for (let id = 0; id < snapshot.items.length; id++) {
    const item = snapshot.items[id];
    if (item?.id !== id || item.gen !== snapshot.gen || item.label !== `model-${id}-generation-${snapshot.gen}`) {
      problems.push(`generation ${snapshot.gen} item ${id} is ${JSON.stringify(item)}`);
      break;
    }
  }
  return problems;
}
