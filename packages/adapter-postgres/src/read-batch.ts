import { type Bytes, byteId } from '@agentstore/core/spi';

/** Point-read calls and the statements that answered them, in this process (tests read it to see coalescing). */
export const readStats = { calls: 0, statements: 0 };

/** One caller's keys, waiting for the next statement. */
interface Waiting {
  readonly keys: readonly Bytes[];
  readonly resolve: (found: ReadonlyMap<string, Bytes>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces the point reads (`get`, `getMany`) of one domain table in one process: while
 * `maxInFlight` statements are running, new calls wait and go together in the next one — one
 * `k = ANY(…)` statement instead of one per call. A fleet's threads each read a few keys per step;
 * each statement costs a round trip, a socket write and a parse on both sides, which on a busy
 * machine is most of the CPU a step costs. An idle table sends a call at once, so a lone read is
 * not delayed. Every statement is sent after each of its calls was made, so it sees every commit
 * acknowledged before any of them (READ COMMITTED, as a statement of its own would).
 */
export class ReadBatcher {
  readonly #run: (keys: Bytes[]) => Promise<ReadonlyArray<readonly [Bytes, Bytes]>>;
  readonly #maxInFlight: number;
  readonly #maxKeys: number;
  #waiting: Waiting[] = [];
  #inFlight = 0;

  /** `run` reads the rows of `keys` in one statement (absent keys have no row). */
  constructor(run: (keys: Bytes[]) => Promise<ReadonlyArray<readonly [Bytes, Bytes]>>, maxInFlight: number, maxKeys: number) {
    this.#run = run;
    this.#maxInFlight = maxInFlight;
    this.#maxKeys = maxKeys;
  }

  /** The stored values of `keys`, by `byteId` (absent keys missing), read in the next statement. */
  read(keys: readonly Bytes[]): Promise<ReadonlyMap<string, Bytes>> {
    readStats.calls++;
    return new Promise((resolve, reject) => {
      this.#waiting.push({ keys, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0) {
      // Whole calls, oldest first, up to maxKeys (a call bigger than that goes alone).
      let take = 0;
      let count = 0;
      for (const call of this.#waiting) {
        if (take > 0 && count + call.keys.length > this.#maxKeys) break;
        take++;
        count += call.keys.length;
      }
      const batch = this.#waiting.slice(0, take);
      this.#waiting = this.#waiting.slice(take);
      const unique = new Map<string, Bytes>();
      for (const call of batch) for (const key of call.keys) unique.set(byteId(key), key);
      this.#inFlight++;
      readStats.statements++;
      this.#run([...unique.values()])
        .then(
          (rows) => {
            const found = new Map<string, Bytes>();
            for (const [k, v] of rows) found.set(byteId(k), v);
            for (const call of batch) call.resolve(found);
          },
          (error: unknown) => {
            for (const call of batch) call.reject(error);
          },
        )
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
  }
}
