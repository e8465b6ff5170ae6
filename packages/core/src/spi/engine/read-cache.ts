import { compareBytes } from '../../keys/bytes.js';
import type { Bytes } from '../backend.js';
import { keyId } from './byte-keys.js';
import type { FetchedValue } from './tx-engine.js';

/** Entries of a fetched range, without pending writes, in the range's order. */
export interface FetchedRange {
  readonly entries: Array<[Bytes, Bytes]>;
  /** True when nothing more is stored in the range beyond `entries`. */
  readonly complete: boolean;
}

type Gap = NonNullable<FetchedValue['gap']>;

/**
 * What one attempt of a group fetched from one domain of an engine that cannot read synchronously.
 * It stays valid for the whole attempt because the engine's transaction serializes writers.
 */
export class ReadCache {
  readonly #values = new Map<string, Bytes | null>();
  readonly #ranges = new Map<string, FetchedRange>();
  readonly #gaps: Gap[] = [];

  /** The fetched value (null: absent), or undefined when not known. */
  value(key: Bytes): Bytes | null | undefined {
    const known = this.#values.get(keyId(key));
    if (known !== undefined) return known;
    for (const gap of this.#gaps) {
      if (
        (gap.after === undefined || compareBytes(gap.after, key) < 0) &&
        (gap.before === undefined || compareBytes(key, gap.before) < 0)
      ) {
        return null;
      }
    }
    return undefined;
  }

  /** Records a fetched key; an absent key's gap answers later reads between its neighbours. */
  storeValue(key: Bytes, fetched: FetchedValue): void {
    this.#values.set(keyId(key), fetched.value ?? null);
    if (fetched.value === undefined && fetched.gap !== undefined) this.#gaps.push(fetched.gap);
  }

  /** The fetched range `id`, when it holds at least `want` entries (or all there are). */
  range(id: string, want: number | undefined): FetchedRange | undefined {
    const fetched = this.#ranges.get(id);
    if (fetched === undefined) return undefined;
    if (fetched.complete || (want !== undefined && fetched.entries.length >= want)) return fetched;
    return undefined;
  }

  /** Records the entries read for range `id` when asking for `want` of them (undefined: all). */
  storeRange(id: string, want: number | undefined, entries: Array<[Bytes, Bytes]>): void {
    this.#ranges.set(id, { entries, complete: want === undefined || entries.length < want });
  }
}
