import { randomBytes } from 'node:crypto';

// Ids are fixed-width base32hex strings: 10 chars of milliseconds, 4 of a counter, 8 of randomness.
// Fixed width over an ASCII-ordered alphabet makes string order, byte order and (time, counter) order agree.
const ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const TIME_CHARS = 10;
const COUNTER_CHARS = 4;
const RANDOM_CHARS = 8;
const COUNTER_LIMIT = 32 ** COUNTER_CHARS;

function encodeBase32(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function decodeBase32(text: string): number {
  let value = 0;
  for (const ch of text) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) return Number.NaN;
    value = value * 32 + digit;
  }
  return value;
}

/** The random tail of an id; drawn outside the write transaction, which must be repeatable. */
export function randomIdPart(): string {
  const bytes = randomBytes(RANDOM_CHARS);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/**
 * A new checkpoint id greater than `after` (the trace's greatest id so far): the clock's time when it is
 * ahead, else `after`'s time with the counter bumped — so ids keep increasing when the clock steps back.
 */
export function nextCheckpointId(now: number, after: string | undefined, random: string = randomIdPart()): string {
  let time = Math.max(0, Math.floor(now));
  let counter = 0;
  if (after !== undefined && after.length === TIME_CHARS + COUNTER_CHARS + RANDOM_CHARS) {
    const afterTime = decodeBase32(after.slice(0, TIME_CHARS));
    const afterCounter = decodeBase32(after.slice(TIME_CHARS, TIME_CHARS + COUNTER_CHARS));
    if (Number.isFinite(afterTime) && Number.isFinite(afterCounter) && time <= afterTime) {
      time = afterTime;
      counter = afterCounter + 1;
      if (counter >= COUNTER_LIMIT) {
        time += 1;
        counter = 0;
      }
    }
  }
  return encodeBase32(time, TIME_CHARS) + encodeBase32(counter, COUNTER_CHARS) + random;
}
