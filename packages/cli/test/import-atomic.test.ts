import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { rawContent, readExport, writeExport } from './support/export-files.js';
import { fillKv, openStore, tempDir } from './support/stores.js';

/**
 * `agentstore import` checks the whole file before its first write (SPEC §9.1): a file whose trailer
 * matches its entries but whose entry 2,501 is invalid changes nothing, with or without `--replace`.
 * The old code wrote the first 2,000 entries (after clearing the domain, with `--replace`) and then
 * failed, or wrote an undecodable entry without a word.
 */
const RECORDS = 5_000;
const BAD_ENTRY = 2_501; // 1-based, in file order (entry 1 is the kind record)

for (const adapter of ['sqlite', 'lmdb', 'level'] as const) {
  describe(`import over ${adapter}: all or nothing`, () => {
    const domains = { src: { adapter }, dst: { adapter }, fresh: { adapter }, cps: { adapter } };
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    let config: string;
    let dataDir: string;
    let oldContent: string[];
    const file = (name: string): string => join(tmp.dir, name);

    beforeAll(async () => {
      tmp = await tempDir();
      dataDir = join(tmp.dir, 'data');
      config = join(tmp.dir, 'agentstore.config.json');
      await writeFile(config, JSON.stringify({ dataDir, default: { adapter: 'memory' }, domains }));
      const store = await openStore(dataDir, domains);
      await fillKv(store, 'src', RECORDS);
      await store.kv('dst').putMany(Array.from({ length: 20 }, (_, i) => [['old', i], `old ${i}`] as const));
      await store.kv('dst').updateCounter('tokens', 7);
      await store.checkpoints('cps').save('t', { data: Uint8Array.of(1, 2, 3) });
      await store.close();
      oldContent = await rawContent(dataDir, domains, 'dst');
      expect(oldContent).toHaveLength(22);
      for (const name of ['src', 'cps']) {
        const r = await cli(['-c', config, 'export', name, '--out', file(`${name}.jsonl`), '--json']);
        expect(r.code, r.stderr).toBe(0);
      }
      const good = await readExport(file('src.jsonl'));
      expect(good.entries).toHaveLength(RECORDS + 1);
      // Entry 2,501's value gets an unknown record tag: the bytes are base64, the trailer matches.
      const badValue = structuredClone(good);
      const [key] = badValue.entries[BAD_ENTRY - 1] as [Uint8Array, Uint8Array];
      badValue.entries[BAD_ENTRY - 1] = [key, Uint8Array.of(0x07, 1, 2, 3)];
      await writeExport(file('bad-value.jsonl'), badValue);
      // Entry 2,501's key gets a 1,100-byte string element: well formed, still in order, over 1 KiB.
      const longKey = structuredClone(good);
      const [, value] = longKey.entries[BAD_ENTRY - 1] as [Uint8Array, Uint8Array];
      const long = Uint8Array.from([...key, 0x20, ...new Array<number>(1100).fill(0x61), 0x00]);
      longKey.entries[BAD_ENTRY - 1] = [long, value];
      await writeExport(file('long-key.jsonl'), longKey);
    });

    afterAll(async () => {
      await tmp?.remove();
    });

    it('an undecodable entry 2,501 behind a valid trailer: CORRUPT naming the entry, nothing written', async () => {
      for (const [target, ...flags] of [['fresh'], ['dst', '--replace']] as const) {
        const r = await cli(['-c', config, 'import', target, file('bad-value.jsonl'), ...flags]);
        expect(await rawContent(dataDir, domains, target)).toEqual(target === 'dst' ? oldContent : []);
        expect(r.code, `${target} ${flags.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(/^error CORRUPT: .*entry 2501\b.*\n$/);
      }
      // Without --replace a domain holding data is refused before the file is read.
      const r = await cli(['-c', config, 'import', 'dst', file('bad-value.jsonl')]);
      expect(r.stderr).toMatch(/^error CONFLICT: /);
      expect(await rawContent(dataDir, domains, 'dst')).toEqual(oldContent);
    });

    it('a key over 1 KiB at entry 2,501: INVALID_KEY, the replaced domain keeps its old content', async () => {
      const r = await cli(['-c', config, 'import', 'dst', file('long-key.jsonl'), '--replace']);
      expect(r.code).toBe(1);
      expect(await rawContent(dataDir, domains, 'dst')).toEqual(oldContent);
      expect(r.stderr).toMatch(/^error INVALID_KEY: .*entry 2501\b/);
    });

    it('--replace with another kind: WRONG_KIND, nothing written', async () => {
      const r = await cli(['-c', config, 'import', 'dst', file('cps.jsonl'), '--replace']);
      expect(await rawContent(dataDir, domains, 'dst')).toEqual(oldContent);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error WRONG_KIND: /);
    });

    it('a valid file with --replace: exactly the file, none of the old content', async () => {
      const r = await cli(['-c', config, 'import', 'dst', file('src.jsonl'), '--replace', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ domain: 'dst', kind: 'kv', entries: RECORDS + 1 });
      expect(await rawContent(dataDir, domains, 'dst')).toEqual(await rawContent(dataDir, domains, 'src'));
      const store = await openStore(dataDir, domains);
      expect(await store.kv('dst').get(['r', 42])).toEqual({ i: 42, big: 42n * 1_000_000_007n, at: new Date(42), tag: 'v42' });
      await store.close();
    });
  });
}
