import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

/** Every package that is published (not private). */
function publicPackages(): string[] {
  return readdirSync(join(root, 'packages')).filter((dir) => {
    try {
      return readJson(`packages/${dir}/package.json`).private !== true;
    } catch {
      return false;
    }
  });
}

describe('API reference (pnpm docs:api)', () => {
  const config = readJson('typedoc.json');

  it('covers every public package, and core with its three entries', () => {
    expect([...config.entryPoints].sort()).toEqual(
      publicPackages()
        .map((dir) => `packages/${dir}`)
        .sort(),
    );
    expect(readJson('packages/core/typedoc.json').entryPoints).toEqual(['src/index.ts', 'src/spi/index.ts', 'src/admin/index.ts']);
    expect(Object.keys(readJson('packages/core/package.json').exports)).toEqual(['.', './spi', './admin']);
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(readJson('package.json').scripts['docs:api']).toBe('typedoc');
  });

  it('is linked from every public package README', () => {
    for (const dir of publicPackages()) {
      expect(readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8'), dir).toContain('](../../docs/api/index.html)');
    }
  });
});
