import type { SnapshotPutOptions } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

interface Model {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly context: number;
}
interface Provider {
  readonly id: string;
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly models: Readonly<Record<string, Model>>;
}
interface Catalog {
  readonly providers: Readonly<Record<string, Provider>>;
  readonly tools: ReadonlyArray<{ readonly id: string; readonly alias?: string }>;
}
type Indexes = { providers: Provider; models: Model; tools: { id: string; alias?: string } };

/** A model catalog shaped like LLMDB.Store's: providers by id, each with its models by id. */
function llmCatalog(version: number): Catalog {
  return {
    providers: {
      openai: {
        id: 'openai',
        name: `OpenAI v${version}`,
        aliases: ['oai'],
        models: {
          'gpt-4o': { id: 'gpt-4o', aliases: ['4o', 'gpt4o'], context: 128_000 },
          'gpt-4o-mini': { id: 'gpt-4o-mini', context: 128_000 },
        },
      },
      anthropic: {
        id: 'anthropic',
        name: 'Anthropic',
        models: { 'claude-x': { id: 'claude-x', aliases: ['claude'], context: 200_000 + version } },
      },
    },
    tools: [{ id: 'search', alias: 'find' }, { id: 'fetch' }],
  };
}

const INDEXES: SnapshotPutOptions = {
  indexes: {
    providers: { path: 'providers', aliases: 'aliases' },
    models: { path: ['providers', '*', 'models'], aliases: ['aliases'] },
    tools: { path: 'tools', aliases: 'alias' },
  },
};

/** Issue 22 item 1 (LLMDB.Store's provider/model lookups): catalog indexes declared at `put`. */
export function snapshotsCatalogSpec(h: Harness): void {
  describe('snapshots catalog lookups', () => {
    it('looks up by id and alias, scoped by provider, and lists in snapshot order', async () => {
      const s = (await h.open()).snapshots<Catalog>('llm');
      const cat = s.catalog<Indexes>();
      expect(await cat.lookup('providers', 'openai')).toBeUndefined(); // nothing stored yet
      expect(await cat.list('models')).toEqual([]);
      expect(await cat.current()).toBeUndefined();
      await s.put(llmCatalog(1), { source: 'registry' }, INDEXES);
      expect((await cat.lookup('providers', 'openai'))?.name).toBe('OpenAI v1');
      expect((await cat.lookup('providers', 'oai'))?.id).toBe('openai');
      expect(await cat.lookup('providers', 'nobody')).toBeUndefined();
      expect((await cat.lookup('models', ['openai', 'gpt-4o']))?.context).toBe(128_000);
      expect((await cat.lookup('models', ['openai', '4o']))?.id).toBe('gpt-4o');
      expect((await cat.lookup('models', ['anthropic', 'claude']))?.id).toBe('claude-x');
      expect(await cat.lookup('models', ['anthropic', '4o'])).toBeUndefined(); // aliases are per scope
      expect((await cat.list('providers')).map((p) => p.id)).toEqual(['openai', 'anthropic']);
      expect((await cat.list('models', 'openai')).map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini']);
      expect((await cat.list('models', ['anthropic'])).map((m) => m.id)).toEqual(['claude-x']);
      expect(await cat.list('models', 'nobody')).toEqual([]);
      expect((await cat.list('models')).map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'claude-x']);
      expect((await cat.lookup('tools', 'find'))?.id).toBe('search');
      expect((await cat.list('tools')).map((t) => t.id)).toEqual(['search', 'fetch']);
    });

    it('answers from the shared frozen copy of the epoch: the same objects, synchronously from a view', async () => {
      const store = await h.open();
      const s = store.snapshots<Catalog>('llm');
      await s.put(llmCatalog(1), {}, INDEXES);
      const snap = await s.get();
      const view = await s.catalog<Indexes>().current();
      expect(view?.epoch).toBe(1);
      expect(view?.snapshot).toBe(snap?.snapshot);
      const provider = view?.lookup('providers', 'openai');
      expect(provider).toBe(snap?.snapshot.providers.openai);
      expect(Object.isFrozen(provider)).toBe(true);
      expect(view?.lookup('models', ['openai', 'gpt4o'])).toBe(snap?.snapshot.providers.openai?.models['gpt-4o']);
      expect(await store.snapshots('llm').catalog<Indexes>().lookup('providers', 'oai')).toBe(provider);
      expect(await s.catalog().current()).toBe(view); // one view per epoch, shared by handles
      expect(view?.indexes().sort()).toEqual(['models', 'providers', 'tools']);
    });

    it('a new epoch answers with the new catalog; a view of the old epoch keeps answering the old one', async () => {
      const s = (await h.open()).snapshots<Catalog>('llm');
      await s.put(llmCatalog(1), {}, INDEXES);
      const old = await s.catalog<Indexes>().current();
      await s.put(llmCatalog(2), {}, INDEXES);
      expect((await s.catalog<Indexes>().lookup('providers', 'openai'))?.name).toBe('OpenAI v2');
      expect(old?.lookup('providers', 'openai')?.name).toBe('OpenAI v1');
      await s.put(llmCatalog(3)); // no indexes declared this time
      await expectCode(s.catalog<Indexes>().lookup('providers', 'openai'), 'INVALID_VALUE');
      await s.clear();
      expect(await s.catalog<Indexes>().lookup('providers', 'openai')).toBeUndefined();
    });

    it('snapshot() and lastOptions() read the current epoch', async () => {
      const s = (await h.open()).snapshots<Catalog>('llm');
      expect(await s.snapshot()).toBeUndefined();
      expect(await s.lastOptions()).toBeUndefined();
      await s.put(llmCatalog(1));
      expect(await s.snapshot()).toEqual(llmCatalog(1));
      expect(await s.lastOptions()).toEqual({});
      await s.put(llmCatalog(2), { source: 'models.dev', fetchedAt: 7 }, INDEXES);
      expect(await s.snapshot()).toBe((await s.get())?.snapshot);
      expect(await s.lastOptions()).toEqual({ source: 'models.dev', fetchedAt: 7 });
      await s.clear();
      expect(await s.snapshot()).toBeUndefined();
    });

    it('indexes over arrays, Maps and ids held in another field', async () => {
      const s = (await h.open()).snapshots<unknown>('llm2');
      const data = {
        groups: [
          { id: 'g1', members: new Map([['m1', { handle: 'alice', nick: ['al', 'ali'] }]]) },
          { id: 'g2', members: new Map([['m2', { handle: 'bob' }]]) },
        ],
        numbered: [{ id: 7, v: 'seven' }],
      };
      await s.put(
        data,
        {},
        {
          indexes: { members: { path: 'groups.*.members', key: 'handle', aliases: 'nick' }, numbered: { path: 'numbered' } },
        },
      );
      const cat = s.catalog<{ members: { handle: string }; numbered: { v: string } }>();
      expect((await cat.lookup('members', ['g1', 'ali']))?.handle).toBe('alice');
      expect((await cat.lookup('members', ['g2', 'bob']))?.handle).toBe('bob');
      expect(await cat.lookup('members', ['g1', 'bob'])).toBeUndefined();
      expect((await cat.lookup('numbered', 7))?.v).toBe('seven');
      expect((await cat.lookup('numbered', '7'))?.v).toBe('seven');
    });

    it('refuses bad declarations and ambiguous catalogs before writing', async () => {
      const s = (await h.open()).snapshots<unknown>('llm3');
      await s.put(llmCatalog(1), {}, INDEXES);
      const bad: Array<[string, unknown, unknown]> = [
        ['duplicate id', { xs: [{ id: 'a' }, { id: 'a' }] }, { indexes: { xs: { path: 'xs' } } }],
        [
          'alias names two records',
          {
            xs: [
              { id: 'a', al: 'z' },
              { id: 'b', al: 'z' },
            ],
          },
          { indexes: { xs: { path: 'xs', aliases: 'al' } } },
        ],
        ['alias is another id', { xs: [{ id: 'a', al: 'b' }, { id: 'b' }] }, { indexes: { xs: { path: 'xs', aliases: 'al' } } }],
        ['record without id', { xs: [{ name: 'a' }] }, { indexes: { xs: { path: 'xs' } } }],
        ['collection is a string', { xs: 'nope' }, { indexes: { xs: { path: 'xs' } } }],
        ['alias not a string', { xs: [{ id: 'a', al: [{}] }] }, { indexes: { xs: { path: 'xs', aliases: 'al' } } }],
        ['empty path', { xs: [] }, { indexes: { xs: { path: [] } } }],
        ['unknown declaration key', { xs: [] }, { indexes: { xs: { path: 'xs', unique: true } } }],
        ['bad index name', { xs: [] }, { indexes: { 'no spaces': { path: 'xs' } } }],
        ['unknown put option', { xs: [] }, { index: {} }],
      ];
      for (const [label, snapshot, options] of bad) {
        await expectCode(s.put(snapshot, {}, options as SnapshotPutOptions), 'INVALID_VALUE').catch((e) => {
          throw new Error(`${label}: ${(e as Error).message}`);
        });
      }
      expect(await s.epoch()).toBe(1);
      const cat = s.catalog<Indexes>();
      await expectCode(cat.lookup('nope' as 'providers', 'x'), 'INVALID_VALUE');
      await expectCode(cat.lookup('models', 'gpt-4o'), 'INVALID_VALUE'); // the scope is missing
      await expectCode(cat.lookup('providers', ['a', 'b']), 'INVALID_VALUE');
      await expectCode(cat.list('models', ['a', 'b']), 'INVALID_VALUE');
      await expectCode(cat.lookup('providers', { id: 1 } as unknown as string), 'INVALID_VALUE');
    });

    it.skipIf(!h.caps.persistent)('the declarations are stored with the snapshot: a reopened store looks up the same', async () => {
      const first = await h.open();
      await first.snapshots<Catalog>('llm').put(llmCatalog(4), { v: 4 }, INDEXES);
      await first.close();
      const s = (await h.open()).snapshots<Catalog>('llm');
      expect((await s.catalog<Indexes>().lookup('models', ['anthropic', 'claude']))?.context).toBe(200_004);
      expect(await s.lastOptions()).toEqual({ v: 4 });
    });
  });
}
