import { defaultCodec, isStoreError } from '@agentstore/core';
import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';
import type { Serialized, StoredValue } from './layout.js';
import { AgentstoreSerde } from './serde.js';

/**
 * Turns checkpoints, metadata, channel values and writes into the bytes of kv entries, and back.
 *
 * With the default serde (`AgentstoreSerde`), a value agentstore's codec can store is kept whole
 * (`[data]`): it is encoded once with the entry around it and decoded in the same pass, where a serde
 * would add a second encoding and a byte copy nested inside the first. Any other value, and every
 * value under another serde, is stored as the serde's `[type, bytes]`. Entries are encoded with
 * agentstore's default codec, so a kv handle with that codec reads them back as objects.
 */
export class StoredCodec {
  readonly #serde: () => SerializerProtocol;

  /** `serde` is read on every call: the saver's `serde` field may be replaced after construction. */
  constructor(serde: () => SerializerProtocol) {
    this.#serde = serde;
  }

  /** Whether values are stored whole where agentstore's codec can store them (the saver's serde is the stock one). */
  get whole(): boolean {
    return isAgentstoreSerde(this.#serde());
  }

  /**
   * The bytes of the entry `shape` builds around `values` (each one as a `StoredValue`). Synchronous
   * when every value is stored whole; a value the codec rejects goes through the serde. `tryWhole`
   * false skips the attempt to encode the entry in one pass (the caller saw it fail already).
   */
  encode(values: readonly unknown[], shape: (stored: StoredValue[]) => unknown, tryWhole = true): Uint8Array | Promise<Uint8Array> {
    const serde = this.#serde();
    const whole = isAgentstoreSerde(serde);
    if (whole && tryWhole) {
      try {
        return defaultCodec.encode(shape(values.map((value) => [value] as const)));
      } catch (err) {
        if (!isStoreError(err, 'INVALID_VALUE')) throw err;
      }
    }
    return Promise.all(values.map((value) => store(serde, whole, value))).then((stored) => defaultCodec.encode(shape(stored)));
  }

  /** A value stored whole is returned as it is; one the serde wrote resolves through the serde. */
  load(stored: StoredValue): unknown {
    if (stored.length === 1) return stored[0];
    return this.#serde().loadsTyped(stored[0], stored[1]);
  }
}

/** True for the stock `AgentstoreSerde` (not a subclass, which may encode differently). */
function isAgentstoreSerde(serde: SerializerProtocol): boolean {
  return Object.getPrototypeOf(serde) === AgentstoreSerde.prototype;
}

async function store(serde: SerializerProtocol, whole: boolean, value: unknown): Promise<StoredValue> {
  if (whole) {
    try {
      defaultCodec.encode(value);
      return [value];
    } catch (err) {
      if (!isStoreError(err, 'INVALID_VALUE')) throw err;
    }
  }
  return (await serde.dumpsTyped(value)) as Serialized;
}

/**
 * Collects the loads of a batch: a value stored whole is handed over at once, a serde load is awaited
 * with the others in `settle()`. Saves an await per value when nothing needs the serde.
 */
export class Loads {
  readonly #codec: StoredCodec;
  readonly #pending: Array<Promise<void>> = [];

  constructor(codec: StoredCodec) {
    this.#codec = codec;
  }

  /** Loads `stored` and hands the value to `set`. */
  add(stored: StoredValue, set: (value: unknown) => void): void {
    if (stored.length === 1) set(stored[0]);
    else this.#pending.push(Promise.resolve(this.#codec.load(stored)).then(set));
  }

  /** Loads `stored` into `target[key]`: as `add`, without a callback made per value on the read path. */
  into(stored: StoredValue, target: object, key: string | number): void {
    const slots = target as Record<string | number, unknown>;
    if (stored.length === 1) slots[key] = stored[0];
    else
      this.#pending.push(
        Promise.resolve(this.#codec.load(stored)).then((value) => {
          slots[key] = value;
        }),
      );
  }

  /** Resolves once every value is set. */
  settle(): Promise<unknown> | undefined {
    return this.#pending.length === 0 ? undefined : Promise.all(this.#pending);
  }
}
