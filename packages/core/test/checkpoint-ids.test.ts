import { describe, expect, it } from 'vitest';
import { nextCheckpointId } from '../src/checkpoints/checkpoint-ids.js';

describe('nextCheckpointId', () => {
  it('follows the clock when it moves forward', () => {
    const a = nextCheckpointId(1_000, undefined);
    const b = nextCheckpointId(2_000, a);
    expect(b > a).toBe(true);
    expect(b.slice(0, 10) > a.slice(0, 10)).toBe(true);
  });

  it('keeps increasing when the clock steps back', () => {
    let last = nextCheckpointId(1_700_000_000_000, undefined);
    for (let i = 0; i < 1000; i++) {
      const next = nextCheckpointId(1_700_000_000_000 - 5_000, last);
      expect(next > last).toBe(true);
      last = next;
    }
  });

  it('keeps increasing within one millisecond past the counter range', () => {
    let last = `${'0'.repeat(9)}1${'v'.repeat(4)}${'0'.repeat(8)}`;
    const next = nextCheckpointId(0, last);
    expect(next > last).toBe(true);
    expect(next.slice(0, 10)).toBe('0000000002');
    last = next;
    expect(nextCheckpointId(0, last) > last).toBe(true);
  });

  it('has a fixed width', () => {
    expect(nextCheckpointId(Date.now(), undefined)).toHaveLength(22);
    expect(nextCheckpointId(8.64e15, undefined)).toHaveLength(22);
  });
});
