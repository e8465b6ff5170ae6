import { StoreError } from '../errors.js';
import { DECODE_LIMITS } from './limits.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Throws `DECODE` when JSON text nests deeper than `DECODE_LIMITS.maxDepth`, found by counting
 * brackets outside strings, so `JSON.parse` never has to recurse that deep. Works on the UTF-8 bytes:
 * multi-byte sequences never contain ASCII bytes. Malformed JSON is left for `JSON.parse` to report.
 */
export function assertJsonDepth(bytes: Uint8Array): void {
  const max = DECODE_LIMITS.maxDepth;
  let depth = 0;
  let inString = false;
  for (let i = 0, n = bytes.length; i < n; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) throw new StoreError('DECODE', `json codec: nesting deeper than ${max} levels at byte ${i}`);
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
}
