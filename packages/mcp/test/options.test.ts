import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, resolveOptions } from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('resolveOptions', () => {
  it('defaults to read-only with the default page bounds', () => {
    const o = resolveOptions();
    expect(o.allowWrites).toBe(false);
    expect([...o.writeDomains]).toEqual([]);
    expect(o.maxBytes).toBe(DEFAULT_MAX_BYTES);
    expect(o.maxEntries).toBe(DEFAULT_MAX_ENTRIES);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('needs both switches for writes, and valid domain names', () => {
    expect(codeOf(() => resolveOptions({ allowWrites: true }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => resolveOptions({ writeDomains: ['memory'] }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => resolveOptions({ allowWrites: true, writeDomains: ['Memory'] }))).toBe('INVALID_DOMAIN');
    expect([...resolveOptions({ allowWrites: true, writeDomains: ['memory', 'events'] }).writeDomains]).toEqual(['memory', 'events']);
  });

  it('rejects unknown keys and out-of-range bounds', () => {
    expect(codeOf(() => resolveOptions({ allowWrite: true } as never))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => resolveOptions({ maxBytes: 10 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => resolveOptions({ maxEntries: 0 }))).toBe('INVALID_OPTIONS');
  });
});
