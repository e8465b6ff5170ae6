import { createHash, type Hash } from 'node:crypto';

/**
 * SHA-256 over an ordered stream of entries, each framed as u32 key length, key, u32 value length,
 * value, so that no two different streams hash the same way by shifting bytes between entries.
 */
export class EntryHash {
  readonly #hash: Hash = createHash('sha256');
  readonly #frame = Buffer.alloc(4);
  count = 0;
  bytes = 0;

  add(key: Uint8Array, value: Uint8Array): void {
    this.#frame.writeUInt32LE(key.byteLength, 0);
    this.#hash.update(this.#frame);
    this.#hash.update(key);
    this.#frame.writeUInt32LE(value.byteLength, 0);
    this.#hash.update(this.#frame);
    this.#hash.update(value);
    this.count++;
    this.bytes += key.byteLength + value.byteLength;
  }

  #digest: string | undefined;

  /** The hex digest; no entry may be added after the first call. */
  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}
